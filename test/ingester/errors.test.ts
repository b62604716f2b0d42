// Bad input and overload get the OTLP-specified answer, and harm no other tenant.
import { gzipSync } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import { WireReader } from '@koder-trace/ingester/otlp';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { agentSpans, sdkJson, sdkProtobuf } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcCapture, startGrpcCapture } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { grpcExport as grpcExportRaw } from '../harness/otlp-raw.ts';
import { until } from '../harness/wait.ts';

const spans = await agentSpans('svc-errors');
const proto = sdkProtobuf(spans);
const json = sdkJson(spans);

function post(ing: RunningIngester, body: Buffer | string, headers: Record<string, string>) {
  return fetch(`${ing.httpUrl}/v1/traces`, { method: 'POST', body, headers });
}
const asProto = (token?: string) => ({
  'content-type': 'application/x-protobuf',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});
const asJson = (token?: string) => ({
  'content-type': 'application/json',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

/** google.rpc.Status from a protobuf error body: code and message. */
function rpcStatus(buf: Buffer): { code: number; message: string } {
  const r = new WireReader(buf);
  const out = { code: 0, message: '' };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 8) out.code = r.uint32();
    else if (tag === 18) out.message = r.string();
    else r.skip(tag & 7);
  }
  return out;
}

const grpcExport = (ing: RunningIngester, body: Buffer, token?: string) =>
  grpcExportRaw(ing.grpcEndpoint, body, token);

describe('ingester errors', () => {
  let storage: GrpcCapture;
  let ing: RunningIngester;
  beforeAll(async () => {
    storage = await startGrpcCapture();
    ing = await startIngesterProcess({
      tenants: [
        { id: 'good', tokenSha256: [sha256Hex('good')] },
        {
          id: 'small',
          tokenSha256: [sha256Hex('small')],
          limits: { maxRequestBytes: 1024, spansPerSecond: 1000, burst: 1000 },
        },
        { id: 'slow', tokenSha256: [sha256Hex('slow')], limits: { spansPerSecond: 1, burst: 4 } },
      ],
      exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 10 },
    });
  });
  afterAll(async () => {
    await ing?.stop();
    await storage?.close();
  });

  it('answers a missing or unknown token with 401 / UNAUTHENTICATED', async () => {
    const none = await post(ing, proto, asProto());
    expect(none.status).toBe(401);
    expect(rpcStatus(Buffer.from(await none.arrayBuffer())).message).toMatch(/bearer token/);
    const bad = await post(ing, json, asJson('nope'));
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { code: number }).code).toBe(status.UNAUTHENTICATED);
    expect((await grpcExport(ing, proto, 'nope'))?.code).toBe(status.UNAUTHENTICATED);
  });

  it('answers malformed protobuf and JSON with 400 / INVALID_ARGUMENT saying what is wrong', async () => {
    const badProto = await post(ing, Buffer.from([0x0a, 0xff, 0xff, 0x01]), asProto('good'));
    expect(badProto.status).toBe(400);
    expect(rpcStatus(Buffer.from(await badProto.arrayBuffer())).message).toMatch(/malformed protobuf/);
    const badJson = await post(
      ing,
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}',
      asJson('good'),
    );
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { message: string }).message).toMatch(
      /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId/,
    );
    const err = await grpcExport(ing, Buffer.from([0x0a, 0x05, 0x01]), 'good');
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/malformed protobuf/);
  });

  it('answers an unsupported content type with 415', async () => {
    const res = await post(ing, 'hello', { 'content-type': 'text/plain', authorization: 'Bearer good' });
    expect(res.status).toBe(415);
  });

  it("answers a body over the tenant's limit with 413, also when it only grows by inflating gzip", async () => {
    // Concatenated protobuf messages merge: three copies make one valid request three times as large.
    const large = Buffer.concat([proto, proto, proto]);
    expect(large.length).toBeGreaterThan(1024);
    expect((await post(ing, large, asProto('small'))).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(64 * 1024, 0x0a));
    expect(bomb.length).toBeLessThan(1024);
    const res = await post(ing, bomb, { ...asProto('small'), 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(rpcStatus(Buffer.from(await res.arrayBuffer())).message).toMatch(
      /decompressed body over 1024 bytes/,
    );
    expect((await grpcExport(ing, large, 'small'))?.code).toBe(status.RESOURCE_EXHAUSTED);
  });

  it('answers traffic over the rate with 429 + Retry-After and RESOURCE_EXHAUSTED + RetryInfo', async () => {
    expect((await post(ing, proto, asProto('slow'))).status).toBe(200); // burst of 4 spans
    const res = await post(ing, proto, asProto('slow'));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const err = await grpcExport(ing, proto, 'slow');
    expect(err?.code).toBe(status.RESOURCE_EXHAUSTED);
    const details = err?.metadata.get('grpc-status-details-bin')[0] as Buffer;
    expect(details.toString('latin1')).toContain('type.googleapis.com/google.rpc.RetryInfo');
    expect(
      await ing.metric('koder_ingester_spans_rejected_total', { tenant: 'slow', reason: 'rate_limited' }),
    ).toBe(8);
  });

  it('keeps serving other tenants throughout', async () => {
    // Let what earlier tests had accepted (tenant "slow") reach storage first.
    await until(
      'the ingester queue to drain (spans of tenant "slow")',
      async () => (await ing.metric('koder_ingester_queue_spans')) === 0,
    );
    const before = storage.requests.length;
    expect((await post(ing, proto, asProto('good'))).status).toBe(200);
    expect((await post(ing, json, asJson('good'))).status).toBe(200);
    expect(await grpcExport(ing, proto, 'good')).toBeNull();
    await until('an export of tenant "good" to reach storage', () => storage.requests.length > before);
    expect(storage.requests.slice(before).map((r) => r.orgId)).toEqual(
      storage.requests.slice(before).map(() => 'good'),
    );
    expect(await ing.metric('koder_ingester_spans_queued_total', { tenant: 'good' })).toBe(12);
  });
});
