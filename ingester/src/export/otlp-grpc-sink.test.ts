// The OTLP/gRPC sink against a real gRPC server in this process: each status code is classified the way
// the OTLP specification says (retryable, permanent, or too large for the receiver), and a server's
// RetryInfo becomes the wait the queue honours.
import { Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { decodeRetryInfo, encodeRpcStatus } from '../otlp/responses.ts';
import { request, span } from '../testing/otlp-builder.ts';
import { startTraceServer, type TraceServer } from '../testing/trace-server.ts';
import { createOtlpGrpcSink } from './otlp-grpc-sink.ts';
import type { SpanSink } from './sink.ts';

/** What the server answers next: a code, its message, and an optional RetryInfo delay. */
let next: { code: number; details: string; retryAfterMs?: number; rawDetails?: Buffer } | undefined;
const seen: { orgId: string | undefined }[] = [];

let server: TraceServer;
let sink: SpanSink;
beforeAll(async () => {
  server = await startTraceServer((call, cb) => {
    seen.push({ orgId: call.metadata.get('x-scope-orgid')[0]?.toString() });
    if (!next) return cb(null, Buffer.alloc(0));
    const metadata = new Metadata();
    const details =
      next.rawDetails ??
      (next.retryAfterMs !== undefined
        ? encodeRpcStatus(next.code, next.details, next.retryAfterMs)
        : undefined);
    if (details) metadata.set('grpc-status-details-bin', details);
    cb({ code: next.code, details: next.details, metadata });
  });
  sink = createOtlpGrpcSink({ endpoint: server.endpoint, timeoutMs: 5000 });
});
afterAll(async () => {
  await sink?.close();
  await server?.close();
});

const batch = () => decodeTraceRequest(request([span({})]));

describe('OTLP/gRPC sink', () => {
  it('stores and sends the tenant as X-Scope-OrgID', async () => {
    next = undefined;
    expect(await sink.export('team-a', batch())).toEqual({ kind: 'success' });
    expect(seen.at(-1)?.orgId).toBe('team-a');
  });

  const retryable = ['CANCELLED', 'DEADLINE_EXCEEDED', 'ABORTED', 'OUT_OF_RANGE', 'UNAVAILABLE', 'DATA_LOSS'];
  it.each(retryable)('retries %s', async (name) => {
    next = { code: status[name as keyof typeof status] as number, details: 'try later' };
    const r = await sink.export('t', batch());
    expect(r).toEqual({ kind: 'retryable', reason: `${name}: try later` });
  });

  const permanent = [
    'UNKNOWN',
    'INVALID_ARGUMENT',
    'NOT_FOUND',
    'ALREADY_EXISTS',
    'PERMISSION_DENIED',
    'FAILED_PRECONDITION',
    'UNIMPLEMENTED',
    'INTERNAL',
    'UNAUTHENTICATED',
  ];
  it.each(permanent)('gives up on %s (dead-letter), even with a RetryInfo', async (name) => {
    next = { code: status[name as keyof typeof status] as number, details: 'no', retryAfterMs: 1000 };
    const r = await sink.export('t', batch());
    expect(r).toEqual({ kind: 'failure', reason: `${name}: no` });
  });

  it('retries RESOURCE_EXHAUSTED only with a RetryInfo, after the delay the server asks for', async () => {
    next = { code: status.RESOURCE_EXHAUSTED, details: 'busy' };
    expect(await sink.export('t', batch())).toEqual({ kind: 'failure', reason: 'RESOURCE_EXHAUSTED: busy' });
    next = { code: status.RESOURCE_EXHAUSTED, details: 'busy', retryAfterMs: 2500 };
    expect(await sink.export('t', batch())).toEqual({
      kind: 'retryable',
      reason: 'RESOURCE_EXHAUSTED: busy',
      retryAfterMs: 2500,
    });
  });

  it('honours RetryInfo on the other retryable codes too', async () => {
    next = { code: status.UNAVAILABLE, details: 'overloaded', retryAfterMs: 1234 };
    expect(await sink.export('t', batch())).toMatchObject({ kind: 'retryable', retryAfterMs: 1234 });
  });

  it('still splits what the receiver refuses for its size', async () => {
    next = { code: status.RESOURCE_EXHAUSTED, details: 'grpc: received message larger than max (5 vs. 4)' };
    expect((await sink.export('t', batch())).kind).toBe('tooLarge');
    next = {
      code: status.RESOURCE_EXHAUSTED,
      details:
        'RATE_LIMITED: ingestion rate limit (local: 100 bytes, burst: 100 bytes) exceeded while adding 500 bytes',
    };
    expect((await sink.export('t', batch())).kind).toBe('tooLarge');
  });

  it('takes damaged status details as no RetryInfo', async () => {
    next = { code: status.RESOURCE_EXHAUSTED, details: 'busy', rawDetails: Buffer.from([0x1a, 0xff]) };
    expect((await sink.export('t', batch())).kind).toBe('failure');
    next = { code: status.UNAVAILABLE, details: 'down', rawDetails: Buffer.from([0x1a, 0xff]) };
    expect(await sink.export('t', batch())).toEqual({ kind: 'retryable', reason: 'UNAVAILABLE: down' });
  });

  it('retries when nothing listens (UNAVAILABLE from the client itself)', async () => {
    const nowhere = createOtlpGrpcSink({
      endpoint: '127.0.0.1:1',
      timeoutMs: 2000,
    });
    try {
      expect((await nowhere.export('t', batch())).kind).toBe('retryable');
    } finally {
      await nowhere.close();
    }
  });
});

describe('decodeRetryInfo', () => {
  it('reads the delay our receivers and other servers send', () => {
    expect(decodeRetryInfo(encodeRpcStatus(8, 'slow down', 1500))).toBe(1500);
    expect(decodeRetryInfo(encodeRpcStatus(8, 'slow down', 0))).toBe(0);
    expect(decodeRetryInfo(encodeRpcStatus(14, 'x', 61_250))).toBe(61_250);
  });

  it('is undefined without a RetryInfo detail, or on damaged bytes', () => {
    expect(decodeRetryInfo(encodeRpcStatus(8, 'no details'))).toBeUndefined();
    expect(decodeRetryInfo(Buffer.alloc(0))).toBeUndefined();
    expect(decodeRetryInfo(Buffer.from([0x1a, 0x05, 0x0a]))).toBeUndefined();
  });

  it('caps absurd delays at a day and treats negative ones as 0', () => {
    // Status { details: Any { type_url, value: RetryInfo { retry_delay: { seconds } } } }
    const withSeconds = (seconds: bigint) => {
      const varint = (v: bigint) => {
        const out: number[] = [];
        let x = BigInt.asUintN(64, v);
        while (x >= 0x80n) {
          out.push(Number(x & 0x7fn) | 0x80);
          x >>= 7n;
        }
        out.push(Number(x));
        return Buffer.from(out);
      };
      const len = (field: number, b: Buffer) => Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
      const duration = Buffer.concat([Buffer.from([0x08]), varint(seconds)]);
      const info = len(1, duration);
      const any = Buffer.concat([
        len(1, Buffer.from('type.googleapis.com/google.rpc.RetryInfo')),
        len(2, info),
      ]);
      return len(3, any);
    };
    expect(decodeRetryInfo(withSeconds(10n ** 12n))).toBe(86_400_000);
    expect(decodeRetryInfo(withSeconds(-5n))).toBe(0);
    expect(decodeRetryInfo(withSeconds(3n))).toBe(3000);
  });
});
