#!/usr/bin/env node
// `query --tempo-url URL --config FILE`: the query service in a cluster, reading traces from Tempo.
// Tenants and tokens come from the same config file the ingesters mount (written by the operator),
// re-read when it changes; ratings are written through the ingester Service.
import { existsSync, readFileSync, watchFile } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { parseConfig } from '../../ingester/src/config/load.ts';
import { buildRegistry, type TenantRegistry } from '../../ingester/src/tenants/registry.ts';
import { createQueryServer, DEFAULT_QUERY_LIMITS, type QueryLimits } from './api/server.ts';
import { tempoBackend } from './backend/tempo.ts';
import { loadPrices } from './cost/prices.ts';

const { values } = parseArgs({
  options: {
    'tempo-url': { type: 'string', default: 'http://koder-trace-tempo:3200' },
    config: { type: 'string', default: '/etc/koder-trace/config.yaml' },
    'ingest-url': { type: 'string', default: 'http://koder-trace-ingester:4318' },
    port: { type: 'string', default: '8080' },
    prices: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    // Connection limits and timeouts of the HTTP server (defaults: DEFAULT_QUERY_LIMITS).
    'max-connections': { type: 'string' },
    'max-connections-per-ip': { type: 'string' },
    'idle-timeout-ms': { type: 'string' },
    'headers-timeout-ms': { type: 'string' },
    'request-timeout-ms': { type: 'string' },
  },
});
const log = pino({ name: 'query', level: values['log-level'] });

const LIMIT_FLAGS = {
  'max-connections': 'maxConnections',
  'max-connections-per-ip': 'maxConnectionsPerIp',
  'idle-timeout-ms': 'idleTimeoutMs',
  'headers-timeout-ms': 'headersTimeoutMs',
  'request-timeout-ms': 'requestTimeoutMs',
} as const satisfies Record<string, keyof QueryLimits>;
const limits: Partial<QueryLimits> = {};
for (const [flag, key] of Object.entries(LIMIT_FLAGS)) {
  const text = values[flag as keyof typeof LIMIT_FLAGS];
  if (text === undefined) continue;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    log.fatal(`--${flag}: expected a whole number >= 1 (default ${DEFAULT_QUERY_LIMITS[key]}), got ${text}`);
    process.exit(2);
  }
  limits[key] = n;
}

function load(previous: TenantRegistry | undefined): TenantRegistry | undefined {
  const r = parseConfig(readFileSync(values.config, 'utf8'));
  if (!r.ok) {
    log.error({ errors: r.errors }, 'config refused; keeping the previous tenants');
    return previous;
  }
  return buildRegistry(r.config, previous, Date.now());
}
// The operator writes the config after the pods start: wait for it rather than crash-loop.
while (!existsSync(values.config)) {
  log.info({ config: values.config }, 'waiting for the config file to appear');
  await new Promise((r) => setTimeout(r, 2000));
}
let registry = load(undefined);
if (!registry) process.exit(1);
watchFile(values.config, { interval: 1000 }, () => {
  registry = load(registry);
});

const server = createQueryServer({
  backend: tempoBackend({ url: values['tempo-url'] }),
  registry: () => registry as TenantRegistry,
  log,
  prices: loadPrices(values.prices),
  ingestUrl: values['ingest-url'],
  limits,
});
server.listen(Number(values.port), () => {
  log.info(
    { port: (server.address() as AddressInfo).port, tempo: values['tempo-url'] },
    'query service listening',
  );
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
