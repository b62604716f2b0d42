// The query server against hostile and careless clients: malformed request-targets, methods, headers
// and bodies never throw past the handler, every answer carries the security headers, ratings refuse
// cross-site requests, and connections are capped and timed out. Requests the fetch API would
// normalise are sent as raw bytes over TCP.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TenantRegistry } from '@koder-trace/ingester/tenants';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceBackend } from '../backend/backend.ts';
import { DEFAULT_PRICES } from '../cost/prices.ts';
import type { SpanRow } from '../model/span.ts';
import { raw } from '../testing/raw-http.ts';
import {
  answer,
  CONTENT_SECURITY_POLICY,
  createQueryServer,
  type QueryDeps,
  requestTarget,
  SECURITY_HEADERS,
  writeRefusal,
} from './server.ts';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

const backend: TraceBackend = {
  search: async () => ({ rows: [] }),
  spans: async () => [],
  traceFacets: async () => new Map(),
  modelUsage: async () => [],
  promptSpans: async () => [],
  span: async (_tenant, traceId, spanId) =>
    traceId === TRACE && spanId === SPAN
      ? ({ name: 'chat gpt-4o', prompt_id: 'support-answer', prompt_version: 'v3' } as SpanRow)
      : undefined,
  prompts: async () => [],
  dashboardPoints: async () => ({ points: [] }),
  ledgerSpans: () => [],
};

const singleTenant = {
  singleTenant: true,
  authenticate: () => ({ id: 'default' }),
} as unknown as TenantRegistry;
const withTokens = {
  singleTenant: false,
  authenticate: (h: string | undefined) => (h === 'Bearer good' ? { id: 'team-a' } : undefined),
} as unknown as TenantRegistry;

function deps(over: Partial<QueryDeps> = {}): QueryDeps {
  return {
    backend,
    registry: () => singleTenant,
    log: pino({ level: 'silent' }),
    prices: DEFAULT_PRICES,
    ingestUrl: 'http://127.0.0.1:9', // nothing listens: ratings that get this far answer 502
    ...over,
  };
}

const get = (target: string, extra = '') =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;

async function listen(server: Server): Promise<{ port: number; base: string; close: () => Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let uiDir: string;
beforeAll(async () => {
  uiDir = await mkdtemp(join(tmpdir(), 'koder-ui-'));
  await mkdir(join(uiDir, 'assets'));
  await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>Koder Trace</title>');
  await writeFile(join(uiDir, 'assets', 'app.js'), 'export {}');
});
afterAll(() => rm(uiDir, { recursive: true, force: true }));

describe('request-targets', () => {
  it('reads origin-form as a path (also when it starts with //) and absolute-form http(s) URLs', () => {
    expect(requestTarget('//x:99999/')?.url.pathname).toBe('//x:99999/');
    expect(requestTarget('/a?b=1')?.url.searchParams.get('b')).toBe('1');
    expect(requestTarget('http://h:8080/api/v1/traces')).toMatchObject({ authority: 'h:8080' });
    for (const bad of ['*', 'http://[::1', 'http://h:99999/', 'x', 'mailto:a@b', 'javascript:alert(1)', ''])
      expect(requestTarget(bad)).toBeUndefined();
  });
});

describe('query server: malformed requests', () => {
  let s: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    s = await listen(createQueryServer(deps({ uiDir })));
  });
  afterAll(() => s.close());

  const alive = async () => expect((await fetch(`${s.base}/healthz`)).status).toBe(200);

  // `//x:99999/` killed the process: `new URL` read it as a scheme-relative URL with a bad port.
  it.each([
    ['//x:99999/', 200], // a path (empty first segment): the UI page
    ['//user@evil.example/', 200],
    ['http://[::1', 400],
    ['http://h:99999/', 400],
    ['*', 400],
    ['mailto:a@b', 400],
    ['http://evil.example/api/v1/openapi.json', 200], // absolute-form: RFC 9112 says accept it
    ['/%00', 200],
    ['/api/v1/prompts/%ZZ/versions', 400],
    ['/api/v1/prompts/%00/versions', 200],
    ['/api/v1/traces/%ZZ', 400],
    ['/api/v1/traces?%ZZ=1', 400],
    ['/api/v1/traces?end=99999999999999999999', 400],
    ['/\\evil.example/', 200],
    ['/assets/..%2f..%2fetc%2fpasswd', 200], // not an asset name: the page, never a file outside
  ])('%s → %i, and the server lives on', async (target, status) => {
    const r = await raw(s.port, get(target));
    expect(r.status).toBe(status);
    await alive();
  });

  it.each([
    ['a raw NUL in the target', get('/\x00'), 400],
    ['a request line over 16 KiB', get(`/${'a'.repeat(20_000)}`), 431],
    ['a header over 16 KiB', get('/', `X-Big: ${'a'.repeat(20_000)}\r\n`), 431],
    ['a space in a header name', get('/', 'Bad Header: 1\r\n'), 400],
    ['a control byte in a header value', get('/', 'X: a\x01b\r\n'), 400],
    ['a garbage method', 'FOO / HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a lowercase method', 'get / HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405],
    ['TRACE', 'TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 405],
    ['no Host in HTTP/1.1', 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n', 400],
    ['HTTP/9.9', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', 400],
    ['an HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400],
    [
      'a TLS ClientHello',
      Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
      400,
    ],
    [
      'Content-Length with Transfer-Encoding',
      'POST /api/v1/ratings HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    ['a bad Content-Length', 'POST /api/v1/ratings HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400],
  ])('%s → %i with the security headers, and the server lives on', async (_name, data, status) => {
    const r = await raw(s.port, data);
    expect(r.status).toBe(status);
    expect(r.head).toContain(`content-security-policy: ${CONTENT_SECURITY_POLICY.toLowerCase()}`);
    expect(JSON.parse(r.body).error).toEqual(expect.any(String));
    await alive();
  });

  it('says what a TLS client got wrong', async () => {
    const r = await raw(s.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00]));
    expect(JSON.parse(r.body).error).toBe('this port speaks plain HTTP, not TLS');
  });

  it('answers 405 with Allow for methods a path does not take', async () => {
    for (const [method, path, allow] of [
      ['POST', '/', 'GET, HEAD'],
      ['DELETE', '/healthz', 'GET, HEAD'],
      ['PUT', '/api/v1/traces', 'GET'],
      ['HEAD', '/api/v1/traces', 'GET'],
      ['GET', '/api/v1/ratings', 'POST'],
      ['OPTIONS', '/api/v1/ratings', 'POST'], // no CORS preflight is ever granted
      ['POST', '/api/v1/openapi.json', 'GET'],
    ] as const) {
      const res = await fetch(s.base + path, { method });
      expect([method, path, res.status, res.headers.get('allow')]).toEqual([method, path, 405, allow]);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('closes a connection that sends its headers too slowly (408), while others are served', async () => {
    const slow = await listen(createQueryServer(deps({ limits: { headersTimeoutMs: 500 } })));
    try {
      const pending = raw(slow.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', 5000);
      expect((await fetch(`${slow.base}/healthz`)).status).toBe(200);
      const r = await pending;
      expect(r.status).toBe(408);
      expect(r.closed).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('caps connections per client address, and takes new ones once others close', async () => {
    const capped = await listen(createQueryServer(deps({ limits: { maxConnectionsPerIp: 2 } })));
    try {
      const open = [connect(capped.port, '127.0.0.1'), connect(capped.port, '127.0.0.1')];
      await Promise.all(open.map((c) => new Promise((r) => c.once('connect', r))));
      await sleep(50);
      const third = await raw(capped.port, get('/healthz'), 2000);
      expect(third).toMatchObject({ status: undefined, closed: true });
      for (const c of open) c.destroy();
      await sleep(50);
      expect((await raw(capped.port, get('/healthz'))).status).toBe(200);
    } finally {
      await capped.close();
    }
  });
});

describe('query server: security headers', () => {
  let s: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    s = await listen(createQueryServer(deps({ uiDir })));
  });
  afterAll(() => s.close());

  it.each([
    ['GET', '/'],
    ['GET', '/traces/0123?span=ab'],
    ['GET', '/assets/app.js'],
    ['GET', '/assets/missing.js'],
    ['GET', '/healthz'],
    ['GET', '/api/v1/openapi.json'],
    ['GET', '/api/v1/traces'],
    ['GET', '/api/v1/traces?limit=0'],
    ['GET', '/api/v1/nope'],
    ['POST', '/'],
    ['POST', '/api/v1/ratings'],
  ])('%s %s', async (method, path) => {
    const res = await fetch(s.base + path, { method });
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name)).toBe(value);
  });

  it('the policy keeps the UI to its own origin: no inline script or style, no framing', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("style-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
  });
});

describe('query server: ratings (the one state-changing request)', () => {
  let s: Awaited<ReturnType<typeof listen>>;
  let ingest: Awaited<ReturnType<typeof listen>>;
  const received: unknown[] = [];
  const rating = JSON.stringify({ traceId: TRACE, spanId: SPAN, score: 1 });
  beforeAll(async () => {
    ingest = await listen(
      createServer((req, res) => {
        let body = '';
        req.on('data', (c) => {
          body += c;
        });
        req.on('end', () => {
          received.push(JSON.parse(body));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      }),
    );
    s = await listen(createQueryServer(deps({ ingestUrl: ingest.base })));
  });
  afterAll(async () => {
    await s.close();
    await ingest.close();
  });

  const post = (headers: Record<string, string>, body: string | undefined = rating) =>
    fetch(`${s.base}/api/v1/ratings`, { method: 'POST', headers, body });

  // A cross-site form or fetch can send text/plain without a CORS preflight: it created a rating.
  it('refuses a text/plain POST (a cross-site form) with 415, and stores nothing', async () => {
    const before = received.length;
    const res = await post({ 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: 'Content-Type: expected application/json, got "text/plain"' });
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ''])
      expect((await post(type ? { 'content-type': type } : {})).status).toBe(415);
    expect(received.length).toBe(before);
  });

  it('refuses a request whose Origin is not this server with 403, and stores nothing', async () => {
    const before = received.length;
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:1', 'file://', 'garbage']) {
      const res = await post({ 'content-type': 'application/json', origin });
      expect([origin, res.status]).toEqual([origin, 403]);
      expect(((await res.json()) as { error: string }).error).toMatch(/^cross-origin request refused/);
    }
    expect(received.length).toBe(before);
  });

  it('takes JSON from its own page (same Origin) and from clients that send no Origin', async () => {
    const before = received.length;
    const same = await post({ 'content-type': 'application/json; charset=utf-8', origin: s.base });
    expect(same.status).toBe(202);
    expect(await same.json()).toMatchObject({ traceId: TRACE, ratedSpanId: SPAN });
    expect((await post({ 'content-type': 'application/json' })).status).toBe(202);
    expect(received.length).toBe(before + 2);
  });

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    const big = JSON.stringify({ traceId: TRACE, spanId: SPAN, score: 1, comment: 'x'.repeat(70_000) });
    const declared = await post({ 'content-type': 'application/json' }, big);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: 'body: larger than 65536 bytes' });
    const chunk = (b: string) => `${Buffer.byteLength(b).toString(16)}\r\n${b}\r\n`;
    const streamed = await raw(
      s.port,
      `POST /api/v1/ratings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(big.slice(0, 40_000))}${chunk(big.slice(40_000))}0\r\n\r\n`,
    );
    expect(streamed.status).toBe(413);
  });

  it('answers 400 for a body that is not JSON, and 502 when the ingester is away', async () => {
    const bad = await post({ 'content-type': 'application/json' }, '{"traceId":');
    expect([bad.status, await bad.json()]).toEqual([400, { error: 'body: not valid JSON' }]);
    const away = await listen(createQueryServer(deps({ ingestUrl: 'http://127.0.0.1:9' })));
    try {
      const res = await fetch(`${away.base}/api/v1/ratings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: rating,
      });
      expect(res.status).toBe(502);
    } finally {
      await away.close();
    }
  });

  it('refuses a stranger (401) before reading the body', async () => {
    const tokens = await listen(createQueryServer(deps({ registry: () => withTokens })));
    try {
      // The body never ends: the answer comes anyway.
      const r = await raw(
        tokens.port,
        'POST /api/v1/ratings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
      );
      expect(r.status).toBe(401);
    } finally {
      await tokens.close();
    }
  });
});

describe('writeRefusal', () => {
  const json = { 'content-type': 'application/json' };
  it('matches Origin to Host by host and port, default ports included', () => {
    expect(writeRefusal({ ...json, origin: 'http://a.example' }, 'a.example', 100)).toBeUndefined();
    expect(writeRefusal({ ...json, origin: 'http://a.example' }, 'a.example:80', 100)).toBeUndefined();
    expect(writeRefusal({ ...json, origin: 'https://a.example' }, 'a.example', 100)).toBeUndefined();
    expect(writeRefusal({ ...json, origin: 'https://a.example' }, 'A.EXAMPLE:443', 100)).toBeUndefined();
    expect(writeRefusal({ ...json, origin: 'http://[::1]:8080' }, '[::1]:8080', 100)).toBeUndefined();
    for (const [origin, host] of [
      ['http://a.example', 'b.example'],
      ['http://a.example:8080', 'a.example'],
      ['http://a.example', undefined],
      ['http://a.example', 'evil@a.example'],
      ['http://a.example', 'a.example/x'],
      ['null', 'a.example'],
    ] as const)
      expect(writeRefusal({ ...json, origin }, host, 100)?.status).toBe(403);
  });
  it('wants JSON, and a declared length within the limit', () => {
    expect(
      writeRefusal({ 'content-type': 'Application/JSON;charset=utf-8' }, undefined, 100),
    ).toBeUndefined();
    expect(writeRefusal({ 'content-type': 'application/jsonx' }, undefined, 100)?.status).toBe(415);
    expect(writeRefusal({ ...json, 'content-length': '101' }, undefined, 100)?.status).toBe(413);
  });
});

describe('answer', () => {
  const ask = (path: string) => answer(deps(), 'GET', new URL(`http://x${path}`), undefined, undefined);

  it('answers 400 (never 500) for a prompt id with invalid percent-encoding', async () => {
    expect(await ask('/api/v1/prompts/%ZZ/versions')).toEqual({
      status: 400,
      body: { error: 'promptId: invalid percent-encoding in the path' },
    });
    expect((await ask('/api/v1/prompts/support%20answer/versions')).status).toBe(200);
  });

  it('refuses parameters an endpoint does not take, naming it and what it takes', async () => {
    expect((await ask('/api/v1/traces?servce=x')).body).toEqual({
      error: `unknown parameter "servce": this endpoint takes start, end, service, name, model, provider, error, minDurationMs, promptId, promptVersion, conversationId, requestId, userId, q, minRating, maxRating, attr, sort, order, limit, cursor`,
    });
    expect((await ask('/api/v1/prompts?limit=5')).body).toEqual({
      error: 'unknown parameter "limit": this endpoint takes start, end',
    });
    expect((await ask('/api/v1/prompts/p/versions?bucket=5')).body).toEqual({
      error: 'unknown parameter "bucket": this endpoint takes start, end, buckets',
    });
    expect((await ask(`/api/v1/traces/${TRACE}?x=1`)).body).toEqual({
      error: 'unknown parameter "x": this endpoint takes no parameters',
    });
  });

  it('takes what the UI sends to each endpoint', async () => {
    const start = String(Date.now() - 3600_000);
    expect(
      (await ask(`/api/v1/traces?service=a&sort=duration&order=asc&limit=50&start=${start}`)).status,
    ).toBe(200);
    expect((await ask(`/api/v1/prompts?start=${start}`)).status).toBe(200);
    expect((await ask(`/api/v1/prompts/support-answer/versions?start=${start}&buckets=48`)).status).toBe(200);
  });

  it('answers 400 for out-of-range values on every endpoint', async () => {
    for (const path of [
      '/api/v1/traces?end=99999999999999999999',
      '/api/v1/traces?minDurationMs=1e308',
      '/api/v1/prompts?start=99999999999999999999',
      '/api/v1/prompts?start=2200-01-01T00:00:00Z', // after the default end (now)
      '/api/v1/prompts/p/versions?buckets=1e2',
      '/api/v1/prompts/p/versions?end=-5',
    ])
      expect([path, (await ask(path)).status]).toEqual([path, 400]);
  });
});
