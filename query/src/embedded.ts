#!/usr/bin/env node
// `query/src/embedded.ts --config FILE --data FILE`: the chart's embedded store (`store: embedded`), one
// process in a one-replica StatefulSet. It holds the SQLite store on its volume, takes the ingesters'
// exports on an OTLP/gRPC port the way Tempo's distributor does (the tenant is the X-Scope-OrgID the
// ingesters set, no token: the ingesters authenticated the producers already, and the chart keeps this
// port to the ingesters with a NetworkPolicy), and serves the query API and the UI over the store with
// the tenants and tokens of the config file the operator writes (re-read when it changes), as main.ts.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import {
  decodeTraceRequest,
  encodeExportResponse,
  encodeRpcStatus,
  OtlpDecodeError,
  TRACE_SERVICE,
} from '@koder-trace/ingester/otlp';
import { pino } from 'pino';
import { createQueryServer } from './api/server.ts';
import { embeddedBackend } from './backend/backend.ts';
import { followPrices } from './cost/follow-prices.ts';
import { IDENTITY_OPTIONS, identityFlags } from './identity-flags.ts';
import { openEmbeddedStore } from './store/sqlite-store.ts';
import { followTenants } from './tenants-file.ts';
import { USER_ATTRIBUTE_OPTION, userAttributesFlag } from './user-attribute-flag.ts';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: '/etc/koder-trace/config.yaml' },
    data: { type: 'string', default: '/var/lib/koder-trace/traces.db' },
    'ingest-url': { type: 'string', default: 'http://koder-trace-ingester:4318' },
    host: { type: 'string', default: '0.0.0.0' },
    port: { type: 'string', default: '8080' },
    'otlp-grpc-port': { type: 'string', default: '4317' },
    // Above the ingesters' export batches (exporter.maxBatchBytes, 3 MiB by default).
    'max-recv-mib': { type: 'string', default: '16' },
    'retention-hours': { type: 'string', default: '336' },
    prices: { type: 'string' },
    ...USER_ATTRIBUTE_OPTION,
    ...IDENTITY_OPTIONS,
    'log-level': { type: 'string', default: 'info' },
  },
});
const log = pino({ name: 'embedded-store', level: values['log-level'] });
// An authenticating proxy's identity header, believed from the proxies named (identity-flags.ts).
const withIdentity = identityFlags(values, log);

function whole(flag: 'port' | 'otlp-grpc-port' | 'max-recv-mib' | 'retention-hours', min: number): number {
  const text = values[flag];
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    log.fatal(`--${flag}: expected a whole number >= ${min}, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}
const port = whole('port', 0);
const grpcPort = whole('otlp-grpc-port', 0);
const maxRecvBytes = whole('max-recv-mib', 4) * 1024 * 1024;
const retentionNs = BigInt(whole('retention-hours', 1) * 3600) * 1_000_000_000n;

mkdirSync(dirname(values.data), { recursive: true });
const store = openEmbeddedStore(values.data, {
  userAttributes: userAttributesFlag(values['user-attribute'], log),
});

// --- the ingesters' exports: OTLP/gRPC TraceService/Export, tenant from X-Scope-OrgID

/** A tenant id as the ingester config allows it (and Tempo's X-Scope-OrgID). */
const TENANT_ID = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,149}$/;

const refusal = (code: status, message: string, retryAfterMs?: number) => {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', encodeRpcStatus(code, message, retryAfterMs));
  return { code, details: message, metadata };
};

/** ExportTraceServiceResponse with partial_success {rejected_spans, error_message}. */
function partialSuccess(rejected: number, message: string): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    for (; n > 0x7f; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
    out.push(n);
    return Buffer.from(out);
  };
  const text = Buffer.from(message, 'utf8');
  const inner = Buffer.concat([
    Buffer.from([0x08]),
    varint(rejected),
    Buffer.from([0x12]),
    varint(text.length),
    text,
  ]);
  return Buffer.concat([Buffer.from([0x0a]), varint(inner.length), inner]);
}

const countSpans = (batch: ReturnType<typeof decodeTraceRequest>) =>
  batch.resourceSpans.reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0);

function exportHandler(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
  const header = call.metadata.get('x-scope-orgid')[0];
  const tenant = typeof header === 'string' ? header : header?.toString('utf8');
  // As Tempo's distributor: no org id, no write (and nothing is ever stored under a made-up tenant).
  if (!tenant || !TENANT_ID.test(tenant)) {
    callback(refusal(status.UNAUTHENTICATED, 'no org id: X-Scope-OrgID must name the tenant'));
    return;
  }
  let batch: ReturnType<typeof decodeTraceRequest>;
  try {
    batch = decodeTraceRequest(call.request);
  } catch (err) {
    if (!(err instanceof OtlpDecodeError)) throw err;
    callback(refusal(status.INVALID_ARGUMENT, err.message));
    return;
  }
  store.export(tenant, batch).then(
    (result) => {
      switch (result.kind) {
        case 'success':
          if (!result.refused) return callback(null, encodeExportResponse());
          log.warn({ tenant, reason: result.refused.reason }, 'spans refused by the store');
          return callback(null, partialSuccess(countSpans(result.refused.batch), result.refused.reason));
        case 'retryable':
          log.warn({ tenant, reason: result.reason }, 'store busy: the ingester will retry');
          return callback(refusal(status.UNAVAILABLE, result.reason, result.retryAfterMs ?? 1000));
        case 'tooLarge':
          return callback(refusal(status.RESOURCE_EXHAUSTED, `larger than max: ${result.reason}`));
        case 'failure':
          return callback(refusal(status.INVALID_ARGUMENT, result.reason));
      }
    },
    (err: unknown) => {
      log.error({ err, tenant }, 'unexpected error storing an export');
      callback(refusal(status.UNAVAILABLE, 'internal error storing the export', 1000));
    },
  );
}

const receiver = new Server({
  'grpc.max_receive_message_length': maxRecvBytes,
  'grpc.max_send_message_length': 4 * 1024 * 1024,
});
receiver.addService(TRACE_SERVICE, { Export: exportHandler });
const otlpPort = await new Promise<number>((resolve, reject) =>
  receiver.bindAsync(`${values.host}:${grpcPort}`, ServerCredentials.createInsecure(), (err, p) =>
    err ? reject(err) : resolve(p),
  ),
).catch((err: Error) => {
  log.fatal({ err }, `cannot listen for OTLP/gRPC on ${values.host}:${grpcPort} (--otlp-grpc-port)`);
  process.exit(1);
});
log.info({ port: otlpPort, maxRecvBytes }, 'taking the ingesters’ OTLP/gRPC exports');

// --- the query API and UI, tenants and tokens from the operator's config

const registry = await followTenants(values.config, log);

const ingest = new URL(values['ingest-url']);
const query = createQueryServer({
  backend: embeddedBackend(store),
  registry,
  log,
  prices: followPrices(values.prices, log).table, // re-read when the file changes
  ingestUrl: values['ingest-url'], // ratings are written through the ingesters, as spans are
  ingest: { otlpHttp: ingest.origin, otlpGrpc: `${ingest.hostname}:4317` },
  ...withIdentity,
});
query.listen(port, values.host, () =>
  log.info({ port: (query.address() as AddressInfo).port, data: values.data }, 'query service listening'),
);

const sweep = () => {
  const n = store.deleteOlderThan(BigInt(Date.now()) * 1_000_000n - retentionNs);
  if (n > 0) log.info({ traces: n }, 'deleted traces past retention');
};
sweep();
setInterval(sweep, 3600_000).unref();

process.once('SIGTERM', () => {
  log.info('stopping');
  query.close();
  // Exports in progress finish (their ingesters get an answer); then the store is closed cleanly.
  const force = setTimeout(() => receiver.forceShutdown(), 5000);
  receiver.tryShutdown(() => {
    clearTimeout(force);
    void store.close().then(() => process.exit(0));
  });
});
