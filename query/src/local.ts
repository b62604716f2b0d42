#!/usr/bin/env node
// `make run`: Koder Trace on one machine. The ingester (OTLP 4317/4318) exports into the embedded
// SQLite store, and the query API reads it (8080). With --manifests DIR, tenants come from
// TraceTenant/SamplingPolicy manifests through the operator's compile step; without, single-tenant
// mode (no token needed).
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as yaml from 'js-yaml';
import { pino } from 'pino';
import { startIngester } from '../../ingester/src/app.ts';
import { createQueryServer } from './api/server.ts';
import { embeddedBackend } from './backend/backend.ts';
import { loadPrices } from './cost/prices.ts';
import { loadManifests } from './local/manifests.ts';
import { openEmbeddedStore } from './store/sqlite-store.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.koder-trace/local.db' },
    manifests: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'query-port': { type: 'string', default: '8080' },
    'grpc-port': { type: 'string', default: '4317' },
    'http-port': { type: 'string', default: '4318' },
    'admin-port': { type: 'string', default: '8888' },
    'retention-hours': { type: 'string', default: '168' },
    'log-level': { type: 'string', default: 'info' },
    prices: { type: 'string' },
  },
});
const log = pino({ name: 'koder-trace', level: values['log-level'] });

let tenants: unknown[] = [];
if (values.manifests) {
  const { out, errors } = loadManifests(values.manifests);
  for (const e of errors) log.warn(e);
  tenants = out.tenants;
  // Fail closed: manifests that yield no tenant must not quietly become single-tenant mode, open to all.
  if (tenants.length === 0) {
    log.fatal(
      { manifests: values.manifests, errors },
      'no TraceTenant in these manifests could be loaded (see the errors above), so nobody could send or read traces; refusing to start. Fix the manifests (each TraceTenant needs its token Secret), or run without --manifests for single-tenant mode',
    );
    process.exit(1);
  }
}
const configText = yaml.dump({
  // Without manifests: single-tenant mode, chosen explicitly (no token needed on this machine).
  auth: values.manifests ? 'tokens' : 'none',
  listen: {
    host: values.host,
    grpcPort: Number(values['grpc-port']),
    httpPort: Number(values['http-port']),
    adminPort: Number(values['admin-port']),
  },
  exporter: {
    kind: 'none',
    maxBatchDelayMs: 100,
    deadLetterDir: join(dirname(values.data), 'dead-letter'),
  },
  // Spans are acknowledged once on disk here, and stay until the store has taken them.
  wal: { dir: join(dirname(values.data), 'wal') },
  tenants,
});
mkdirSync(dirname(values.data), { recursive: true });
const store = openEmbeddedStore(values.data);
const ingester = await startIngester({
  configText,
  sink: store,
  logger: log.child({ component: 'ingester' }),
}).catch((err: Error) => {
  log.fatal(err.message);
  process.exit(1);
});
const query = createQueryServer({
  backend: embeddedBackend(store),
  registry: ingester.registry, // the same tenants and tokens the ingester accepts
  log: log.child({ component: 'query' }),
  prices: loadPrices(values.prices),
  ingestUrl: `http://127.0.0.1:${ingester.httpPort}`,
});
await new Promise<void>((resolve) => query.listen(Number(values['query-port']), values.host, resolve));
const queryPort = (query.address() as AddressInfo).port;

const retentionNs = BigInt(Number(values['retention-hours']) * 3600) * 1_000_000_000n;
setInterval(() => store.deleteOlderThan(BigInt(Date.now()) * 1_000_000n - retentionNs), 3600_000).unref();

const h = values.host;
const registry = ingester.registry();
const auth = registry.singleTenant
  ? 'single-tenant mode: no token needed'
  : `${registry.tenants.size} tenants from ${values.manifests}: send "Authorization: Bearer <token>"`;
console.log(`
Koder Trace is running on this machine (store: ${values.data})
  trace UI      http://${h}:${queryPort}/   (empty? \`make demo\` sends realistic agent traces)
  send traces   OTLP/HTTP http://${h}:${ingester.httpPort}/v1/traces   OTLP/gRPC ${h}:${ingester.grpcPort}
  query API     http://${h}:${queryPort}/api/v1/traces   (contract: /api/v1/openapi.json)
  metrics       http://${h}:${ingester.adminPort}/metrics
  ${auth}
Point any OpenTelemetry SDK at it:
  export OTEL_EXPORTER_OTLP_ENDPOINT=http://${h}:${ingester.httpPort}
Stop with Ctrl-C.
`);

async function stop(signal: string): Promise<void> {
  log.info({ signal }, 'stopping');
  query.close();
  await ingester.stop(); // delivers what is queued into the store, then closes it
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
