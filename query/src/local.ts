#!/usr/bin/env node
// `make run`: Koder Trace on one machine. The ingester (OTLP 4317/4318) exports into the embedded
// SQLite store, and the query API reads it (8080). With --manifests DIR, tenants come from
// TraceTenant/SamplingPolicy manifests through the operator's compile step; without, single-tenant
// mode (no token needed). With --generate-tokens (the Makefile passes it), a TraceTenant whose token
// Secret is not among the manifests gets a token made here and printed, as the operator would make one.
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startIngester } from '@koder-trace/ingester/app';
import { configFrom } from '@koder-trace/ingester/config';
import { buildTenantAuth } from '@koder-trace/ingester/tenants';
import * as yaml from 'js-yaml';
import { pino } from 'pino';
import { createQueryServer } from './api/server.ts';
import { embeddedBackend } from './backend/backend.ts';
import { followPrices } from './cost/follow-prices.ts';
import { IDENTITY_OPTIONS, identityFlags } from './identity-flags.ts';
import { loadManifests } from './local/manifests.ts';
import { openEmbeddedStore } from './store/sqlite-store.ts';
import { USER_ATTRIBUTE_OPTION, userAttributesFlag } from './user-attribute-flag.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.koder-trace/local.db' },
    manifests: { type: 'string' },
    'generate-tokens': { type: 'boolean', default: false },
    host: { type: 'string', default: '127.0.0.1' },
    'query-port': { type: 'string', default: '8080' },
    'grpc-port': { type: 'string', default: '4317' },
    'http-port': { type: 'string', default: '4318' },
    'admin-port': { type: 'string', default: '8888' },
    'retention-hours': { type: 'string', default: '168' },
    'log-level': { type: 'string', default: 'info' },
    prices: { type: 'string' },
    ...USER_ATTRIBUTE_OPTION,
    ...IDENTITY_OPTIONS,
  },
});
const log = pino({ name: 'koder-trace', level: values['log-level'] });
// An authenticating proxy's identity header, believed from the proxies named (identity-flags.ts).
const withIdentity = identityFlags(values, log);

/** What each port is, and the flag that sets it: said when the port cannot be had. */
const PORTS = {
  grpc: { flag: '--grpc-port', what: 'OTLP/gRPC' },
  http: { flag: '--http-port', what: 'OTLP/HTTP' },
  admin: { flag: '--admin-port', what: 'ingester metrics' },
  query: { flag: '--query-port', what: 'trace UI and query API' },
} as const;
const portOf = (k: keyof typeof PORTS) => Number(values[PORTS[k].flag.slice(2) as 'query-port']);

/** A port taken by another program (or not ours to take) stops the start, naming the port and its flag. */
function portFailure(err: Error & { code?: string; port?: number }): never {
  const which = (Object.keys(PORTS) as (keyof typeof PORTS)[]).find((k) => portOf(k) === err.port);
  if (which && (err.code === 'EADDRINUSE' || err.code === 'EACCES')) {
    const { flag, what } = PORTS[which];
    console.error(
      `koder-trace: port ${err.port} (${what}, ${flag}) ${err.code === 'EADDRINUSE' ? 'is in use' : 'may not be opened by this user'} on ${values.host}. ` +
        `Stop what holds it (is another make run still running?), or choose another port: make run ARGS='${flag} <port>'`,
    );
  } else log.fatal(err.message);
  process.exit(1);
}

/**
 * The manifests as loaded: with --generate-tokens, tenants whose token Secret is missing get a token,
 * kept in <data dir>/tokens so it stays the same across restarts, and the manifests are read from
 * <data dir>/manifests (links to the given files, plus the generated Secrets).
 */
function manifestsWithTokens(dir: string): {
  dir: string;
  generated: { tenant: string; token: string; file: string }[];
} {
  const pending = [...loadManifests(dir).out.tenantOutcomes].filter(([, o]) => o.reason === 'TokenPending');
  if (!values['generate-tokens'] || pending.length === 0) return { dir, generated: [] };
  const state = dirname(values.data);
  const tokenDir = join(state, 'tokens');
  mkdirSync(tokenDir, { recursive: true, mode: 0o700 });
  const generated = pending.map(([key, o]) => {
    const ns = key.split('/')[0] as string;
    const file = join(tokenDir, `${ns}.${o.secretName}`);
    if (!existsSync(file))
      writeFileSync(file, `kt_${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
    return { tenant: key, ns, secret: o.secretName, token: readFileSync(file, 'utf8').trim(), file };
  });
  const merged = join(state, 'manifests');
  rmSync(merged, { recursive: true, force: true });
  mkdirSync(merged, { recursive: true });
  for (const f of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)))
    symlinkSync(resolve(dir, f), join(merged, f));
  writeFileSync(
    join(merged, 'zz-generated-token-secrets.yaml'),
    `# Made by make run (--generate-tokens) for TraceTenants whose token Secret is not in ${dir}.\n${generated
      .map((g) =>
        yaml.dump({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: g.secret, namespace: g.ns },
          stringData: { token: g.token },
        }),
      )
      .join('---\n')}`,
    { mode: 0o600 },
  );
  return { dir: merged, generated };
}

let tenants: unknown[] = [];
let generatedTokens: { tenant: string; token: string; file: string }[] = [];
if (values.manifests) {
  mkdirSync(dirname(values.data), { recursive: true });
  const loaded = manifestsWithTokens(values.manifests);
  generatedTokens = loaded.generated;
  // Prompt-registry signing secrets from the manifests' Secrets, as files only this user reads.
  const registrySecretDir = join(dirname(values.data), 'registry-secrets');
  const { out, errors, secretFiles } = loadManifests(loaded.dir, { registrySecretDir });
  for (const e of errors) log.warn(e);
  if (secretFiles.size) mkdirSync(registrySecretDir, { recursive: true, mode: 0o700 });
  for (const [file, value] of secretFiles) writeFileSync(file, value, { mode: 0o600 });
  tenants = out.tenants;
  // Fail closed: manifests that yield no tenant must not quietly become single-tenant mode, open to all.
  if (tenants.length === 0) {
    log.fatal(
      { manifests: values.manifests, errors },
      'no TraceTenant in these manifests could be loaded (see the errors above), so nobody could send or read traces; refusing to start. Fix the manifests (each TraceTenant needs its token Secret, or --generate-tokens to make one here, as make run does), or run without --manifests for single-tenant mode',
    );
    process.exit(1);
  }
}
const config = {
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
  // Dropped traces wait here for a late rating (through the UI or the API) to bring them back.
  tail: { rescue: { dir: join(dirname(values.data), 'rescue') } },
  // Ratings for tenants with spec.promptRegistry wait here until their registry has them.
  promptRegistry: { dir: join(dirname(values.data), 'registry-outbox') },
  tenants,
};
mkdirSync(dirname(values.data), { recursive: true });
const store = openEmbeddedStore(values.data, {
  userAttributes: userAttributesFlag(values['user-attribute'], log),
});
const ingester = await startIngester({
  config,
  sink: store,
  logger: log.child({ component: 'ingester' }),
}).catch(portFailure);
// Who may read: the same document the ingester took (so it is valid), read as the query service reads
// the operator's config in a cluster.
const checked = configFrom(config);
if (!checked.ok) throw new Error(`the ingester took a config it refuses: ${checked.errors.join('; ')}`);
const readers = buildTenantAuth(checked.config);
const otlpHost = values.host.includes(':') ? `[${values.host}]` : values.host;
const query = createQueryServer({
  backend: embeddedBackend(store),
  registry: () => readers, // read tokens, and ingest tokens unless a tenant made them write-only
  log: log.child({ component: 'query' }),
  prices: followPrices(values.prices, log).table, // re-read when the file changes
  ingestUrl: `http://127.0.0.1:${ingester.httpPort}`,
  // Where producers send (the UI's first-trace help shows it; a wildcard host is read as the UI's own).
  ingest: {
    otlpHttp: `http://${otlpHost}:${ingester.httpPort}`,
    otlpGrpc: `${otlpHost}:${ingester.grpcPort}`,
  },
  ...withIdentity,
});
await new Promise<void>((done, fail) => {
  query.once('error', fail);
  query.listen(portOf('query'), values.host, done);
}).catch(portFailure);
const queryPort = (query.address() as AddressInfo).port;

const retentionNs = BigInt(Number(values['retention-hours']) * 3600) * 1_000_000_000n;
setInterval(() => store.deleteOlderThan(BigInt(Date.now()) * 1_000_000n - retentionNs), 3600_000).unref();

const h = values.host;
const registry = ingester.registry();
const auth = registry.singleTenant
  ? 'single-tenant mode: no token needed'
  : `${registry.tenants.size} tenants from ${values.manifests}: send "Authorization: Bearer <token>"${generatedTokens
      .map(
        (g) =>
          `\n  token of ${g.tenant} (made here: its Secret is not in ${values.manifests}; kept in ${g.file}):\n    ${g.token}` +
          `\n    export OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer ${g.token}"`,
      )
      .join('')}`;
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
