// The OTLP/gRPC receiver speaks gRPC over HTTP/2 itself (ingester/src/receive/grpc.ts), so the parts
// of the protocol a real client relies on are checked here against real clients: grpc-js with each
// compression, many calls sharing one connection, and node:http2 for what no gRPC client would send.
import { type ClientHttp2Session, connect, constants } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { EXPORT_PATH, frameGrpcMessage as frame, getAttribute } from '@koder-trace/ingester/otlp';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { agentSpans, attribute, request, sdkProtobuf, span, str } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcCapture, startGrpcCapture, takeSpans } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { grpcChannel, grpcExport } from '../harness/otlp-raw.ts';
import { until } from '../harness/wait.ts';

const proto = sdkProtobuf(await agentSpans('svc-grpc'));

interface RawAnswer {
  headers: Record<string, unknown>;
  trailers: Record<string, unknown>;
}

/** One request on a raw HTTP/2 session: the answer's headers and trailers (merged for trailers-only). */
function raw(session: ClientHttp2Session, headers: Record<string, string>, body: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': EXPORT_PATH, ...headers });
    const out: RawAnswer = { headers: {}, trailers: {} };
    req.on('response', (h) => Object.assign(out.headers, h));
    req.on('trailers', (t) => Object.assign(out.trailers, t));
    req.on('error', reject);
    req.on('close', () => resolve(out));
    req.resume();
    req.end(body);
  });
}
const statusOf = (a: RawAnswer) => a.trailers['grpc-status'] ?? a.headers['grpc-status'];

describe('OTLP/gRPC protocol', () => {
  let storage: GrpcCapture;
  let ing: RunningIngester;
  let session: ClientHttp2Session;
  const grpc = { 'content-type': 'application/grpc', te: 'trailers', authorization: 'Bearer good' };
  beforeAll(async () => {
    storage = await startGrpcCapture();
    ing = await startIngesterProcess({
      tenants: [{ id: 'good', tokenSha256: [sha256Hex('good')] }],
      exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 10 },
    });
    session = connect(`http://${ing.grpcEndpoint}`);
  });
  afterAll(async () => {
    session?.close();
    await ing?.stop();
    await storage?.close();
  });

  it.each([
    ['identity', 0],
    ['deflate', 1],
    ['gzip', 2],
  ])('takes a %s message from grpc-js', async (_, algorithm) => {
    expect(
      await grpcExport(ing.grpcEndpoint, proto, 'good', { 'grpc.default_compression_algorithm': algorithm }),
    ).toBeNull();
  });

  it('answers with the headers, message and trailers a gRPC client expects', async () => {
    const answer = await raw(session, grpc, frame(proto));
    expect(answer.headers[':status']).toBe(200);
    expect(answer.headers['content-type']).toBe('application/grpc');
    expect(answer.headers['grpc-accept-encoding']).toBe('identity,deflate,gzip');
    expect(answer.trailers['grpc-status']).toBe('0');
  });

  it('serves many large calls at once on one connection, every span intact', async () => {
    // ~900 KB each, like a 256-span LLM export: many frames each, far past the default 64 KiB windows.
    // (15 spans of 60 KB: attribute values over 64 KiB would be cut, by design.)
    const calls = 24;
    const spansPerCall = 15;
    const payload = (c: number, s: number) =>
      `${c}:${s}:`.padEnd(60_000, String.fromCharCode(97 + ((c + s) % 26)));
    const body = (c: number) =>
      request(
        Array.from({ length: spansPerCall }, (_, s) =>
          span({ name: `call-${c}-${s}` }, attribute('app.payload', str(payload(c, s)))),
        ),
      );
    const channel = grpcChannel(ing.grpcEndpoint);
    try {
      const errors = await Promise.all(
        Array.from({ length: calls }, (_, c) => channel.export(body(c), 'good')),
      );
      expect(errors).toEqual(Array(calls).fill(null));
    } finally {
      channel.close();
    }
    const seen = new Map<string, unknown>();
    await until('every call delivered', () => {
      for (const sp of takeSpans(storage))
        if (sp.name.startsWith('call-')) seen.set(sp.name, getAttribute(sp.attributes, 'app.payload'));
      return seen.size >= calls * spansPerCall;
    });
    for (let c = 0; c < calls; c++)
      for (let s = 0; s < spansPerCall; s++)
        // (Compared whole, not printed: a damaged payload would fill the report.)
        expect(seen.get(`call-${c}-${s}`) === payload(c, s), `call-${c}-${s}`).toBe(true);
  });

  it('answers an unknown method and an unknown compression with UNIMPLEMENTED', async () => {
    const unknown = await raw(
      session,
      { ...grpc, ':path': '/opentelemetry.proto.collector.logs.v1.LogsService/Export' },
      frame(proto),
    );
    expect(statusOf(unknown)).toBe(String(status.UNIMPLEMENTED));
    expect(decodeURIComponent(String(unknown.headers['grpc-message']))).toContain('TraceService/Export');
    const snappy = await raw(session, { ...grpc, 'grpc-encoding': 'snappy' }, frame(proto, true));
    expect(statusOf(snappy)).toBe(String(status.UNIMPLEMENTED));
    expect(snappy.headers['grpc-accept-encoding']).toBe('identity,deflate,gzip');
  });

  it('refuses a call with two messages, or none, or a cut one, as INVALID_ARGUMENT', async () => {
    for (const body of [
      Buffer.concat([frame(proto), frame(proto)]),
      Buffer.alloc(0),
      frame(proto).subarray(0, 100),
    ]) {
      const answer = await raw(session, grpc, body);
      expect(statusOf(answer)).toBe(String(status.INVALID_ARGUMENT));
    }
  });

  it('answers what is not gRPC with an HTTP status, and refuses before reading an unknown token', async () => {
    expect(
      (await raw(session, { ...grpc, 'content-type': 'application/json' }, proto)).headers[':status'],
    ).toBe(415);
    const get = await new Promise<number>((resolve) => {
      const req = session.request({ ':method': 'GET', ':path': EXPORT_PATH });
      req.on('response', (h) => resolve(Number(h[':status'])));
      req.end();
    });
    expect(get).toBe(405);
    // 8 MiB announced, a few bytes sent: the refusal comes at once, without waiting for the rest.
    const req = session.request({
      ':method': 'POST',
      ':path': EXPORT_PATH,
      ...grpc,
      authorization: 'Bearer nope',
    });
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(8 * 1024 * 1024, 1);
    req.write(prefix);
    const refused = await new Promise<Record<string, unknown>>((resolve) => req.on('response', resolve));
    expect(refused['grpc-status']).toBe(String(status.UNAUTHENTICATED));
    const closed = await new Promise<number>((resolve) => req.on('close', () => resolve(req.rstCode ?? -1)));
    expect(closed).toBe(constants.NGHTTP2_NO_ERROR);
    // The connection serves on.
    expect(statusOf(await raw(session, grpc, frame(proto)))).toBe('0');
  });
});
