// The one-machine stack (`make run`: ingester, store and query API in one process) against hostile
// clients. One unauthenticated request with a request-target like `//x:99999/` used to kill the whole
// process, taking the acknowledged spans still queued for the store with it. Here every malformed
// request-target, method, header and body we could think of goes as raw bytes over TCP (fetch would
// normalise them) to the query, OTLP/HTTP and admin ports; after each the process must still run and
// answer /healthz, and no client mistake may get a 5xx. Also: security headers, CSRF on ratings,
// connection limits, and the UI in Chromium under its Content-Security-Policy.
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { agentSpans } from '@koder-trace/ingester/testing';
import { raw } from '@koder-trace/query/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium } from '../harness/browser.ts';
import { type LocalStack, startLocalStack } from '../harness/local-stack.ts';
import { exportSpans, sdkExporter } from '../harness/otel-sdk.ts';
import { suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const request = (method: string, target: string, headers = '') =>
  `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`;

/** Client mistakes: each must be answered 4xx (or, where noted, the connection closed). */
const MALFORMED: [string, string | Buffer][] = [
  ['target http://[::1', request('GET', 'http://[::1')],
  ['target *', request('GET', '*')],
  ['OPTIONS *', request('OPTIONS', '*')],
  ['absolute-form with a bad port', request('GET', 'http://h:99999/')],
  ['a raw NUL in the target', request('GET', '/\x00')],
  ['a space in the target', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['an overlong target (70 KB)', request('GET', `/${'a'.repeat(70_000)}`)],
  ['invalid percent-encoding', request('GET', '/api/v1/prompts/%ZZ/versions')],
  ['invalid percent-encoding in a query', request('GET', '/api/v1/traces?%ZZ=%')],
  ['an out-of-range time', request('GET', '/api/v1/traces?end=99999999999999999999')],
  ['an out-of-range duration', request('GET', '/api/v1/traces?minDurationMs=1e308')],
  ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'],
  ['TRACE', request('TRACE', '/')],
  ['a garbage method', 'FOO / HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['a method in lowercase', 'get / HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['a header name with a space', request('GET', '/', 'Bad Header: 1\r\n')],
  ['a control byte in a header', request('GET', '/', 'X-A: a\x01b\r\n')],
  ['a bare LF in a header', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\nb\r\n\r\n'],
  ['a header of 20 KB', request('GET', '/', `X-Big: ${'a'.repeat(20_000)}\r\n`)],
  ['3,000 headers', request('GET', '/', 'X-Many: 1\r\n'.repeat(3000))],
  ['no Host header', 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n'],
  ['HTTP/9.9', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n'],
  ['an HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  ['a TLS ClientHello', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])],
  ['binary noise', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 151 + 7) % 256))],
  [
    'Content-Length with Transfer-Encoding',
    `${request('POST', '/v1/traces', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n')}0\r\n\r\n`,
  ],
  ['a bad Content-Length', request('POST', '/api/v1/ratings', 'Content-Length: abc\r\n')],
  ['two Content-Lengths', request('POST', '/api/v1/ratings', 'Content-Length: 1\r\nContent-Length: 2\r\n')],
  [
    'a bad chunk size',
    request('POST', '/v1/traces', 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n') +
      'zz\r\n',
  ],
];

/** Odd but well-formed: any answer but a 5xx (the query port serves the UI page for any path). */
const ODD: [string, string][] = [
  ['target //x:99999/ (it killed the process)', request('GET', '//x:99999/')],
  ['target //user@evil.example/', request('GET', '//user@evil.example/')],
  ['absolute-form http://evil.example/', request('GET', 'http://evil.example/api/v1/openapi.json')],
  ['target /%00', request('GET', '/%00')],
  ['target /..%2f..%2fetc%2fpasswd', request('GET', '/assets/..%2f..%2fetc%2fpasswd')],
  ['an Upgrade: websocket request', request('GET', '/', 'Upgrade: websocket\r\nConnection: Upgrade\r\n')],
  ['Expect: 100-continue with no body', request('POST', '/v1/traces', 'Expect: 100-continue\r\n')],
];

const portOf = (url: string) => Number(new URL(url).port);

describe('hostile requests to the one-machine stack', () => {
  let stack: LocalStack;
  let traceId: string;
  let chatSpanId: string;
  beforeAll(async () => {
    stack = await startLocalStack();
    const spans = await agentSpans('support-agent');
    traceId = spans[0]?.spanContext().traceId ?? '';
    const endpoint = { grpc: stack.otlpGrpc, http: stack.otlpHttp };
    expect(await exportSpans(sdkExporter('http/protobuf', endpoint), spans)).toEqual({ ok: true });
    const trace = await until('the trace stored', async () => {
      const r = await stack.get(`/api/v1/traces/${traceId}`);
      return r.status === 200 ? r.body : undefined;
    });
    chatSpanId = trace.spans.find(
      (s: { genAi?: { operation: string } }) => s.genAi?.operation === 'chat',
    ).spanId;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function stillServing(): Promise<void> {
    expect(stack.running(), 'the process is still running').toBe(true);
    expect((await fetch(`${stack.queryUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${stack.adminUrl}/healthz`)).status).toBe(200);
  }

  const PORTS = [
    ['query', () => portOf(stack.queryUrl)],
    ['OTLP/HTTP', () => portOf(stack.otlpHttp)],
    ['admin', () => portOf(stack.adminUrl)],
  ] as const;

  describe.each(PORTS)('%s port', (name, port) => {
    it.each(MALFORMED)('%s: 4xx, and the process lives on', async (what, data) => {
      const r = await raw(port(), data);
      if (r.status === undefined && what === 'CONNECT' && name !== 'query') {
        // Node drops a CONNECT silently where no 'connect' handler is set (the ingester's servers):
        // no answer, but no harm either. The query server answers it 405.
        expect(r.closed).toBe(true);
      } else {
        expect(r.status, `${what} on the ${name} port`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${what} on the ${name} port`).toBeLessThan(500);
      }
      await stillServing();
    });

    it.each(ODD)('%s: no 5xx, and the process lives on', async (what, data) => {
      const r = await raw(port(), data);
      expect(r.status, `${what} on the ${name} port`).toBeLessThan(500);
      await stillServing();
    });

    it('slow clients (headers or body dribbled in) do not hold up anyone else', async () => {
      const slow: Socket[] = [];
      try {
        for (let i = 0; i < 20; i++) {
          const s = connect(port(), '127.0.0.1');
          s.on('error', () => {});
          s.write(
            i % 2
              ? 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: '
              : 'POST /api/v1/ratings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
          );
          slow.push(s);
        }
        for (let round = 0; round < 3; round++) {
          for (const s of slow) s.write('a');
          await stillServing();
          await sleep(200);
        }
      } finally {
        for (const s of slow) s.destroy();
      }
      await stillServing();
    });
  });

  it('the query port refuses connections over its per-address limit (256), then serves again', async () => {
    const sockets = await Promise.all(
      Array.from(
        { length: 300 },
        () =>
          new Promise<{ socket: Socket; closedEarly: boolean }>((resolve) => {
            const socket = connect(portOf(stack.queryUrl), '127.0.0.1');
            socket.on('error', () => {});
            const entry = { socket, closedEarly: false };
            socket.once('close', () => {
              entry.closedEarly = true;
              resolve(entry);
            });
            // Refused sockets are closed at once; give the close 300 ms to arrive.
            socket.once('connect', () => setTimeout(() => resolve(entry), 300));
          }),
      ),
    );
    try {
      const refused = sockets.filter((s) => s.closedEarly).length;
      expect(refused).toBeGreaterThanOrEqual(300 - 256);
    } finally {
      for (const s of sockets) s.socket.destroy();
    }
    await until('a new connection is served', async () =>
      (await fetch(`${stack.queryUrl}/healthz`).catch(() => undefined))?.ok ? true : undefined,
    );
    await stillServing();
  });

  it.each([
    '/',
    '/traces/0123?span=ab',
    '/assets/app.js',
    '/assets/missing.js',
    '/healthz',
    '/api/v1/openapi.json',
    '/api/v1/traces',
    '/api/v1/traces?limit=0',
    '/api/v1/nope',
  ])('GET %s carries the security headers', async (path) => {
    const res = await fetch(stack.queryUrl + path);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self'; script-src 'self'; /);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('a request the HTTP parser refuses carries them too', async () => {
    const r = await raw(portOf(stack.queryUrl), 'FOO / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(r.status).toBe(400);
    expect(r.head).toContain("content-security-policy: default-src 'self'");
    expect(r.head).toContain('x-frame-options: deny');
  });

  it('ratings: a cross-site POST is 403, text/plain 415, a huge body 413; same-origin JSON is taken', async () => {
    const body = JSON.stringify({
      traceId,
      spanId: chatSpanId,
      score: 0,
      comment: 'csrf',
      source: 'attacker',
    });
    const post = (headers: Record<string, string>, b = body) =>
      fetch(`${stack.queryUrl}/api/v1/ratings`, { method: 'POST', headers, body: b });
    // What a cross-site <form enctype="text/plain"> or a no-cors fetch sends without a preflight (it
    // created a rating before): refused for its Origin, and for its type where no Origin is sent.
    const crossSite = await post({ 'content-type': 'text/plain', origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(((await crossSite.json()) as { error: string }).error).toMatch(/^cross-origin request refused/);
    const textPlain = await post({ 'content-type': 'text/plain' });
    expect(textPlain.status).toBe(415);
    expect(((await textPlain.json()) as { error: string }).error).toBe(
      'Content-Type: expected application/json, got "text/plain"',
    );
    expect((await post({ 'content-type': 'application/json', origin: 'null' })).status).toBe(403);
    const huge = JSON.stringify({ traceId, spanId: chatSpanId, score: 1, comment: 'x'.repeat(100_000) });
    expect((await post({ 'content-type': 'application/json' }, huge)).status).toBe(413);

    const own = await post(
      { 'content-type': 'application/json', origin: stack.queryUrl },
      JSON.stringify({ traceId, spanId: chatSpanId, score: 1, comment: 'from the UI', source: 'ui' }),
    );
    expect(own.status).toBe(202);
    const ratings = await until('the rating stored', async () => {
      const t = (await stack.get(`/api/v1/traces/${traceId}`)).body;
      return t.ratings.length ? t.ratings : undefined;
    });
    // Only the same-origin rating was ever written.
    expect(ratings).toEqual([expect.objectContaining({ comment: 'from the UI', score: 1 })]);
    await stillServing();
  });
});

const browserOk = requireChromium();

describe.skipIf(!browserOk.ok)(
  suiteTitle('the trace UI under its Content-Security-Policy', browserOk),
  () => {
    let stack: LocalStack;
    beforeAll(async () => {
      stack = await startLocalStack();
      const spans = await agentSpans('support-agent');
      const endpoint = { grpc: stack.otlpGrpc, http: stack.otlpHttp };
      expect(await exportSpans(sdkExporter('http/json', endpoint), spans)).toEqual({ ok: true });
      await until('stored', async () =>
        (await stack.get('/api/v1/traces')).body?.traces?.length ? true : undefined,
      );
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('shows the table, a trace with its span tree and panel, a rating, and the prompt overlay with no CSP violation', async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        const violations: string[] = [];
        page.on('console', (m) => {
          if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
        });
        await page.exposeFunction('reportCspViolation', (v: string) => violations.push(v));
        await page.addInitScript(() => {
          // In the page (no DOM types in this project's typecheck): report each violation out.
          type Violation = {
            violatedDirective: string;
            blockedURI: string;
            sourceFile: string;
            lineNumber: number;
          };
          const g = globalThis as unknown as {
            document: { addEventListener(type: string, f: (e: Violation) => void): void };
            reportCspViolation(v: string): void;
          };
          g.document.addEventListener('securitypolicyviolation', (e) =>
            g.reportCspViolation(
              `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`,
            ),
          );
        });
        const first = await page.goto(`${stack.queryUrl}/?range=all`);
        expect(first?.headers()['content-security-policy']).toMatch(/^default-src 'self'/);
        await page.locator('table.traces tbody tr').first().click();
        await page.waitForURL(/\/traces\/[0-9a-f]{32}/);
        await page.getByRole('treeitem').first().waitFor();
        await page.getByRole('button', { name: 'Collapse all' }).click();
        await page.getByRole('button', { name: 'Expand all' }).click();
        await page.locator('.tree-row.is-llm').first().click();
        const panel = page.getByRole('complementary', { name: 'Prompt panel' });
        await panel.waitFor();
        // A rating from the page: a same-origin JSON POST, which the CSRF checks let through.
        await panel.getByLabel('Rating comment').fill('fine under CSP');
        await panel.getByRole('button', { name: 'Rate good' }).click();
        await panel.locator('li.rating', { hasText: 'fine under CSP' }).waitFor({ timeout: 15_000 });
        await page.goto(`${stack.queryUrl}/prompts`);
        await page
          .getByRole('link', { name: /support-answer/ })
          .first()
          .click();
        await page.locator('table.versions tbody tr').first().waitFor();
        await page.locator('.chart canvas').first().waitFor();
        expect(violations).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  },
);
