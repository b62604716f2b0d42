#!/usr/bin/env node
// `query --tempo-url URL --config FILE`: the query service in a cluster, reading traces from Tempo.
// Tenants and tokens come from the same config file the ingesters mount (written by the operator),
// re-read when it changes; ratings are written through the ingester Service.
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createQueryServer, DEFAULT_QUERY_LIMITS, type QueryLimits } from './api/server.ts';
import { tempoBackend } from './backend/tempo.ts';
import { followPrices } from './cost/follow-prices.ts';
import { IDENTITY_OPTIONS, identityFlags } from './identity-flags.ts';
import { followTenants } from './tenants-file.ts';
import { USER_ATTRIBUTE_OPTION, userAttributesFlag } from './user-attribute-flag.ts';

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
    // How far back a search looks, and Tempo's max search duration (docs/tempo.md).
    'tempo-lookback': { type: 'string', default: '744h' },
    'tempo-max-search-duration': { type: 'string', default: '168h' },
    ...USER_ATTRIBUTE_OPTION,
    ...IDENTITY_OPTIONS,
  },
});
const log = pino({ name: 'query', level: values['log-level'] });
// An authenticating proxy's identity header, believed from the proxies named (identity-flags.ts).
const withIdentity = identityFlags(values, log);

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

const UNIT_S = { w: 604_800, d: 86_400, h: 3600, m: 60, s: 1 } as const;
/** A duration in whole seconds: digits alone, or units w d h m s largest first, each at most once
 * (`744h`, `31d`, `1d12h`, `90m`); undefined when it is not one. */
function durationS(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const m = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!text || !m) return undefined;
  return Object.values(UNIT_S).reduce((n, unit, i) => n + Number(m[i + 1] ?? 0) * unit, 0);
}
/** Tempo reads start and end as 32-bit seconds: no range may be longer than that. */
const MAX_DURATION_S = 2 ** 32 - 1;
function durationFlag(flag: 'tempo-lookback' | 'tempo-max-search-duration', min: number): number {
  const text = values[flag];
  const n = durationS(text);
  if (n === undefined || !Number.isSafeInteger(n) || n < min || n > MAX_DURATION_S) {
    log.fatal(
      `--${flag}: expected a duration such as 744h, 31d or 1d12h (units w d h m s, largest first; digits alone are seconds), from ${min} s to ${MAX_DURATION_S} s, got ${JSON.stringify(text)}`,
    );
    process.exit(2);
  }
  return n;
}
const lookbackS = durationFlag('tempo-lookback', 1);
// 0: Tempo enforces no max search duration (query_frontend.search.max_duration: 0), one window will do.
const maxSearchS = durationFlag('tempo-max-search-duration', 0);

const registry = await followTenants(values.config, log);

const server = createQueryServer({
  backend: tempoBackend({
    url: values['tempo-url'],
    userAttributes: userAttributesFlag(values['user-attribute'], log),
    lookbackS,
    maxSearchDurationS: maxSearchS === 0 ? lookbackS + 1 : maxSearchS,
    onPartial: (tenant, traceId, message) =>
      log.warn(
        { tenant, traceId, tempo: message },
        'Tempo returned only part of a trace (over its max_bytes_per_trace); trace answers say partial: true',
      ),
  }),
  registry,
  log,
  prices: followPrices(values.prices, log).table, // re-read when the file changes
  ingestUrl: values['ingest-url'],
  limits,
  ...withIdentity,
});
server.listen(Number(values.port), () => {
  log.info(
    {
      port: (server.address() as AddressInfo).port,
      tempo: values['tempo-url'],
      lookbackS,
      maxSearchDurationS: maxSearchS,
    },
    'query service listening',
  );
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
