// A client that resets its connection part way through a request must leave nothing held: what the
// request took from the memory budget comes back, over OTLP/HTTP (plain and gzip, whose inflating
// side a pipe would leave waiting for an end that never comes) and OTLP/gRPC.

import { request } from 'node:http';
import { connect } from 'node:http2';
import { gzipSync } from 'node:zlib';
import { EXPORT_PATH, frameGrpcMessage } from '@koder-trace/ingester/otlp';
import { agentSpans, sdkProtobuf } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { grpcExport } from '../harness/otlp-raw.ts';
import { until } from '../harness/wait.ts';

// Bytes that do not compress: the gzip case must send real volume before the reset.
const noise = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24));
const buffered = (ing: RunningIngester) => ing.metric('koder_ingester_buffered_bytes');

/** Sends the first `part` bytes of a body announced whole; the request, still open. */
function httpPartial(url: string, body: Buffer, part: number, headers: Record<string, string>) {
  const req = request(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length, ...headers },
  });
  req.on('error', () => {});
  req.write(body.subarray(0, part));
  return req;
}

describe('a client resetting part way through a request', () => {
  let ing: RunningIngester;
  beforeAll(async () => {
    ing = await startIngesterProcess({ auth: 'none', exporter: { kind: 'none' } });
  });
  afterAll(async () => {
    await ing?.stop();
  });

  it('gives back what the request held, over HTTP plain and gzip and over gRPC', async () => {
    const body = noise(2 * 1024 * 1024);
    const plain = httpPartial(ing.httpUrl, body, 1024 * 1024, {});
    await until('plain HTTP body taken from the budget', async () => (await buffered(ing)) > 0);
    plain.destroy();
    await until('plain HTTP body let go', async () => (await buffered(ing)) === 0);

    const gzipped = gzipSync(body);
    const gzip = httpPartial(ing.httpUrl, gzipped, gzipped.length / 2, { 'content-encoding': 'gzip' });
    await until('gzip HTTP body taken from the budget', async () => (await buffered(ing)) > 0);
    gzip.destroy();
    await until('gzip HTTP body let go', async () => (await buffered(ing)) === 0);

    const session = connect(`http://${ing.grpcEndpoint}`);
    const call = session.request({
      ':method': 'POST',
      ':path': EXPORT_PATH,
      'content-type': 'application/grpc',
    });
    call.on('error', () => {});
    // The whole message announced, half of it sent.
    const half = frameGrpcMessage(body).subarray(0, 1024 * 1024);
    await new Promise<void>((resolve) => call.write(half, () => resolve()));
    await until('gRPC message taken from the budget', async () => (await buffered(ing)) > 0);
    session.destroy();
    await until('gRPC message let go', async () => (await buffered(ing)) === 0);

    // And it serves on.
    expect(await grpcExport(ing.grpcEndpoint, sdkProtobuf(await agentSpans('svc-after-reset')))).toBeNull();
  });
});
