// The exporter's HTTP/2 gRPC client against real servers in this process: grpc-js's server for whole
// calls (large, many at once), and a bare node:http2 server for the ways a call can end badly (HTTP
// errors, resets, a dropped connection, no answer at all, a peer that never speaks HTTP/2).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  constants,
  createServer as createHttp2Server,
  type Http2Server,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_PATH } from '../otlp/grpc-service.ts';
import { startTraceServer, type TraceServer } from '../testing/trace-server.ts';
import { createGrpcClient, type GrpcClient } from './grpc-client.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const port = (s: { address(): AddressInfo | string | null }) => (s.address() as AddressInfo).port;

describe('against grpc-js', () => {
  let server: TraceServer;
  let client: GrpcClient;
  const seen: { tenant: string; sha: string }[] = [];
  beforeAll(async () => {
    // Replies with the message's hash, so the client's reply reading is checked too.
    server = await startTraceServer(
      (call, cb) => {
        seen.push({ tenant: String(call.metadata.get('x-scope-orgid')[0]), sha: sha(call.request) });
        cb(null, Buffer.from(sha(call.request)));
      },
      { 'grpc.max_receive_message_length': 16 * 1024 * 1024 },
    );
    client = createGrpcClient({ endpoint: server.endpoint });
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
  });

  it('sends a message given in parts, with its metadata, and reads the reply', async () => {
    const parts = [Buffer.from('hello, '), Buffer.alloc(0), Buffer.from('world')];
    const end = await client.unary(EXPORT_PATH, { 'x-scope-orgid': 'team-a' }, parts, 5000);
    expect(end.code).toBe(status.OK);
    expect(end.reply?.toString()).toBe(sha(Buffer.from('hello, world')));
    expect(seen.at(-1)).toEqual({ tenant: 'team-a', sha: sha(Buffer.from('hello, world')) });
  });

  it('carries 8 calls of 3 MB at once on one connection, every byte as sent', async () => {
    const messages = Array.from({ length: 8 }, (_, i) => Buffer.alloc(3 * 1024 * 1024, i + 1));
    const ends = await Promise.all(
      messages.map((m, i) => client.unary(EXPORT_PATH, { 'x-scope-orgid': `t${i}` }, [m], 10_000)),
    );
    expect(ends.map((e) => e.code)).toEqual(messages.map(() => status.OK));
    expect(ends.map((e) => e.reply?.toString())).toEqual(messages.map(sha));
  });
});

/** What the bare server does with the next call. */
type Behaviour = (stream: ServerHttp2Stream) => void;

describe('calls that end badly', () => {
  let server: Http2Server;
  let client: GrpcClient;
  let behave: Behaviour = () => {};
  let connections = 0;
  beforeAll(async () => {
    server = createHttp2Server();
    server.on('connection', () => connections++);
    server.on('stream', (stream) => {
      stream.on('error', () => {});
      behave(stream);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    client = createGrpcClient({ endpoint: `127.0.0.1:${port(server)}` });
  });
  afterAll(() => {
    client?.close();
    server?.close();
  });
  const call = (timeoutMs = 5000) => client.unary(EXPORT_PATH, {}, [Buffer.from('x')], timeoutMs);

  it('reads a trailers-only answer: code, percent-decoded message, status details', async () => {
    behave = (s) =>
      s.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': '14',
          'grpc-message': 'down%20for%20now',
          'grpc-status-details-bin': 'AQID',
        },
        { endStream: true },
      );
    expect(await call()).toEqual({
      code: status.UNAVAILABLE,
      message: 'down for now',
      details: Buffer.from([1, 2, 3]),
    });
  });

  it("maps a proxy's HTTP 503 to UNAVAILABLE and its 404 to UNIMPLEMENTED", async () => {
    behave = (s) => s.respond({ ':status': 503 }, { endStream: true });
    expect((await call()).code).toBe(status.UNAVAILABLE);
    behave = (s) => s.respond({ ':status': 404, 'content-type': 'text/plain' }, { endStream: true });
    expect((await call()).code).toBe(status.UNIMPLEMENTED);
  });

  it('maps resets: REFUSED_STREAM is UNAVAILABLE (retry), INTERNAL_ERROR is INTERNAL', async () => {
    behave = (s) => s.close(constants.NGHTTP2_REFUSED_STREAM);
    expect((await call()).code).toBe(status.UNAVAILABLE);
    behave = (s) => s.close(constants.NGHTTP2_INTERNAL_ERROR);
    expect((await call()).code).toBe(status.INTERNAL);
  });

  it('takes a gRPC response that ends without a status as INTERNAL, never OK', async () => {
    behave = (s) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc' });
      s.end(Buffer.from([0, 0, 0, 0, 0]));
    };
    expect((await call()).code).toBe(status.INTERNAL);
  });

  it('ends UNAVAILABLE when the connection drops mid-call, and reconnects for the next', async () => {
    behave = (s) => s.session?.destroy();
    expect((await call()).code).toBe(status.UNAVAILABLE);
    behave = (s) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
      s.end(Buffer.from([0, 0, 0, 0, 0]));
    };
    const before = connections;
    expect(await call()).toEqual({ code: status.OK, message: '', reply: Buffer.alloc(0) });
    expect(connections).toBe(before + 1);
  });

  it('ends DEADLINE_EXCEEDED when no answer comes in time, the connection kept when it still answers pings', async () => {
    behave = () => {};
    const before = connections;
    const started = Date.now();
    expect((await call(300)).code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(2000);
    behave = (s) =>
      s.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' },
        { endStream: true },
      );
    expect((await call()).code).toBe(status.OK);
    expect(connections).toBe(before);
  });

  it('refuses a reply larger than 4 MiB without reading it all', async () => {
    behave = (s) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc' });
      s.end(Buffer.alloc(5 * 1024 * 1024));
    };
    expect((await call()).code).toBe(status.RESOURCE_EXHAUSTED);
  });
});

describe('connections that never work', () => {
  const sockets: Socket[] = [];
  let silent: NetServer;
  afterEach(() => {
    for (const s of sockets) s.destroy();
    silent?.close();
  });

  it('ends UNAVAILABLE at once when nothing listens', async () => {
    const client = createGrpcClient({ endpoint: '127.0.0.1:1' });
    const started = Date.now();
    expect((await client.unary(EXPORT_PATH, {}, [Buffer.from('x')], 5000)).code).toBe(status.UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(2000);
    client.close();
  });

  it('replaces a connection to a peer that never speaks HTTP/2 after a deadline', async () => {
    silent = createNetServer((s) => sockets.push(s));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const client = createGrpcClient({ endpoint: `127.0.0.1:${port(silent)}` });
    expect((await client.unary(EXPORT_PATH, {}, [Buffer.from('x')], 200)).code).toBe(
      status.DEADLINE_EXCEEDED,
    );
    expect((await client.unary(EXPORT_PATH, {}, [Buffer.from('x')], 200)).code).toBe(
      status.DEADLINE_EXCEEDED,
    );
    // Its TCP connection is accepted but no SETTINGS ever come: each deadline drops it, so the second
    // call opened a connection of its own.
    expect(sockets.length).toBe(2);
    client.close();
  });

  it('refuses an endpoint that is not host:port when it is made', () => {
    expect(() => createGrpcClient({ endpoint: 'tempo distributor:4317' })).toThrow(/not host:port/);
    expect(() => createGrpcClient({ endpoint: 'tempo' })).toThrow(/not host:port/);
    expect(() => createGrpcClient({ endpoint: 'user@tempo:4317' })).toThrow(/not host:port/);
    expect(() => createGrpcClient({ endpoint: 'tempo:4317/x' })).toThrow(/not host:port/);
    expect(() => createGrpcClient({ endpoint: '[::1]:4317' })).not.toThrow();
    // The scheme's own port is still a port.
    expect(() => createGrpcClient({ endpoint: 'tempo.example:443', tls: {} })).not.toThrow();
    expect(() => createGrpcClient({ endpoint: 'tempo:80' })).not.toThrow();
  });

  it('answers UNAVAILABLE once closed', async () => {
    const client = createGrpcClient({ endpoint: '127.0.0.1:1' });
    client.close();
    expect(await client.unary(EXPORT_PATH, {}, [], 100)).toEqual({
      code: status.UNAVAILABLE,
      message: 'client closed',
    });
  });
});
