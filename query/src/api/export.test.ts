// The bulk export over a real embedded store and the real query server: every record, resumption from
// a cursor record, CSV as spreadsheets and parsers read it, refusals, and back-pressure (a reader that
// stops reading stops the export, and other requests are answered meanwhile).
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, get, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedBackend } from '../backend/backend.ts';
import { openEmbeddedStore } from '../store/sqlite-store.ts';
import { auth, fill, type ServedRuns, serve, servedRuns } from '../testing/agent-runs.ts';
import { CSV_COLUMNS, csvField, parseExport } from './export.ts';
import { ExportRefused, exportTo } from './export-client.ts';

const ndjson = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });

/** RFC 4180, enough for the test: quoted fields with doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') field += text[i++];
      else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else field += c;
  }
  return rows;
}

describe('parseExport', () => {
  it('defaults to traces as NDJSON and takes every search parameter', () => {
    const r = parseExport(new URLSearchParams('model=gpt-4o&limit=10&order=asc'));
    expect(r).toMatchObject({ what: 'traces', format: 'ndjson', filter: { model: 'gpt-4o', limit: 10 } });
  });
  it.each([
    ['what=spans', 'what: expected "traces" or "calls", got "spans"'],
    ['format=xml&what=calls', 'format: expected "ndjson" or "csv", got "xml"'],
    ['format=csv', 'format: csv is for calls (what=calls); traces are nested, export them as ndjson'],
    ['what=calls&what=traces', 'what: given more than once'],
    ['limit=0', 'limit: expected 1 to 1000, got "0"'],
  ])('refuses %s', (q, message) => {
    expect(() => parseExport(new URLSearchParams(q))).toThrow(message);
  });
  it('names what it takes when a parameter is unknown', () => {
    expect(() => parseExport(new URLSearchParams('modle=gpt-4o'))).toThrow(
      /unknown parameter "modle".*what, format/,
    );
  });
});

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['@SUM(A1)', "'@SUM(A1)"],
    [12.5, '12.5'],
    [null, ''],
    [[{ role: 'user' }], '"[{""role"":""user""}]"'],
  ])('%j → %s', (v, out) => expect(csvField(v)).toBe(out));
});

describe('GET /api/v1/export', () => {
  let runs: ServedRuns;
  let base: string;
  let ids: string[];

  beforeAll(async () => {
    runs = await servedRuns(25, (i) => (i === 3 ? { question: '=cmd|"calc"!A1, with\nnewline' } : {}));
    ({ base, ids } = runs);
  });
  afterAll(() => runs.close());

  it('streams every matching trace as its trace detail, with a cursor after each page and an end record', async () => {
    const res = await fetch(`${base}/api/v1/export?limit=10`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const records = ndjson(await res.text());
    expect(records.map((r) => r.type)).toEqual([
      ...Array(10).fill('trace'),
      'cursor',
      ...Array(10).fill('trace'),
      'cursor',
      ...Array(5).fill('trace'),
      'end',
    ]);
    const traces = records.filter((r) => r.type === 'trace').map((r) => r.trace as { traceId: string });
    expect(new Set(traces.map((t) => t.traceId))).toEqual(new Set(ids));
    expect(records.at(-1)).toEqual({ type: 'end', traces: 25 });
    // Each record is the trace detail the API answers for that trace.
    const one = traces[7] as { traceId: string };
    const detail = await (await fetch(`${base}/api/v1/traces/${one.traceId}`, { headers: auth })).json();
    expect(one).toEqual(detail);
  });

  it('resumes from a cursor record with exactly the traces not yet received', async () => {
    const first = ndjson(await (await fetch(`${base}/api/v1/export?limit=10`, { headers: auth })).text());
    const cut = first.findIndex((r) => r.type === 'cursor');
    const kept = first.slice(0, cut).map((r) => (r.trace as { traceId: string }).traceId);
    const cursor = first[cut]?.next as string;
    const rest = ndjson(
      await (
        await fetch(`${base}/api/v1/export?limit=10&cursor=${encodeURIComponent(cursor)}`, { headers: auth })
      ).text(),
    )
      .filter((r) => r.type === 'trace')
      .map((r) => (r.trace as { traceId: string }).traceId);
    expect(kept).toHaveLength(10);
    expect(rest).toHaveLength(15);
    expect([...kept, ...rest].sort()).toEqual([...ids].sort());
  });

  it('exports LLM calls with messages, usage, cost, prompt version and ratings', async () => {
    const records = ndjson(
      await (await fetch(`${base}/api/v1/export?what=calls&promptVersion=v2`, { headers: auth })).text(),
    );
    const calls = records.filter((r) => r.type === 'call');
    expect(calls).toHaveLength(12); // odd i of 0..24
    expect(records.at(-1)).toEqual({ type: 'end', traces: 12, calls: 12 });
    const c = calls.find((r) => r.conversationId === 'conv-7') as Record<string, unknown>;
    expect(c).toMatchObject({
      name: 'chat gpt-4o',
      service: 'support-bot',
      operation: 'chat',
      provider: 'openai',
      requestModel: 'gpt-4o',
      promptId: 'support-answer',
      promptVersion: 'v2',
      error: false,
      usage: { inputTokens: 1007, outputTokens: 200 },
      inputMessages: [
        { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
        { role: 'user', parts: [{ type: 'text', content: 'question 7' }] },
      ],
      outputMessages: [{ role: 'assistant', parts: [{ type: 'text', content: 'answer 7' }] }],
      rating: { average: 0.75, count: 1, comments: ['ok'] },
    });
    // gpt-4o: $2.50 per 1M input, $10 per 1M output (the price table the answer is made with).
    expect(c.costUsd).toBeCloseTo((1007 * 2.5 + 200 * 10) / 1e6, 10);
    expect(calls.filter((r) => r.error)).toHaveLength(2); // i = 5, 15
  });

  it('exports calls as CSV that parses back to the same values', async () => {
    const res = await fetch(`${base}/api/v1/export?what=calls&format=csv&order=asc&sort=start`, {
      headers: auth,
    });
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(26);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const hostile = rows.find((r) => r[col('conversation_id')] === 'conv-3') as string[];
    // A formula is neutralised, the comma, quote and line break survive.
    expect(JSON.parse(hostile[col('input_messages')] as string)[1]).toEqual({
      role: 'user',
      parts: [{ type: 'text', content: '=cmd|"calc"!A1, with\nnewline' }],
    });
    expect(hostile[col('input_tokens')]).toBe('1003');
    expect(hostile[col('rating_average')]).toBe('0.75');
  });

  it.each([
    ['?format=csv', 400, 'format: csv is for calls'],
    ['?what=everything', 400, 'what: expected'],
    ['?start=yesterday', 400, 'start: expected RFC 3339'],
  ])('answers %s with %i', async (q, status, message) => {
    const res = await fetch(`${base}/api/v1/export${q}`, { headers: auth });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toContain(message);
  });

  it('refuses a stranger before reading anything, and anything but GET', async () => {
    expect((await fetch(`${base}/api/v1/export`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/export`, { headers: { authorization: 'Bearer bad' } })).status).toBe(
      401,
    );
    expect((await fetch(`${base}/api/v1/export`, { method: 'DELETE', headers: auth })).status).toBe(405);
  });
});

/** A proxy that cuts the first `cuts` responses after `bytes` bytes, as a dropped connection would. */
async function cuttingProxy(target: string, cuts: number, bytes: number) {
  let left = cuts;
  const proxy = createServer((req, res) => {
    const upstream = request(`${target}${req.url}`, { headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (left-- <= 0) return void up.pipe(res);
      let sent = 0;
      up.on('data', (c: Buffer) => {
        res.write(c.subarray(0, bytes - sent));
        sent += c.length;
        if (sent >= bytes) {
          up.destroy();
          res.socket?.destroy();
        }
      });
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, proxy };
}

const collect = () => {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  return { sink, text: () => Buffer.concat(chunks).toString() };
};

describe('export client', () => {
  let runs: ServedRuns;
  let base: string;
  let ids: string[];
  beforeAll(async () => {
    runs = await servedRuns(25, () => ({ padding: 2_000 }));
    ({ base, ids } = runs);
  });
  afterAll(() => runs.close());

  it('resumes after dropped connections and writes every trace exactly once', async () => {
    const { url, proxy } = await cuttingProxy(base, 3, 30_000);
    try {
      const { sink, text } = collect();
      const done = await exportTo(sink, {
        url,
        token: 'good',
        what: 'traces',
        format: 'ndjson',
        search: new URLSearchParams('limit=4'),
        backoffMs: 1,
      });
      const got = ndjson(text()).map((r) => (r.trace as { traceId: string }).traceId);
      expect(done).toEqual({ traces: 25, calls: 0, resumed: 3 });
      expect(got.sort()).toEqual([...ids].sort());
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });

  it('writes calls as CSV, resuming too', async () => {
    const { url, proxy } = await cuttingProxy(base, 2, 20_000);
    try {
      const { sink, text } = collect();
      const done = await exportTo(sink, {
        url,
        token: 'good',
        what: 'calls',
        format: 'csv',
        search: new URLSearchParams('limit=3'),
        backoffMs: 1,
      });
      expect(done).toMatchObject({ traces: 25, calls: 25, resumed: 2 });
      const lines = text().trim().split('\n');
      expect(lines[0]).toBe(CSV_COLUMNS.join(','));
      expect(lines).toHaveLength(26);
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });

  it("stops at once on a refusal, with the server's message", async () => {
    const opts = { url: base, what: 'traces', format: 'ndjson', backoffMs: 1 } as const;
    await expect(
      exportTo(new PassThrough(), { ...opts, token: 'bad', search: new URLSearchParams() }),
    ).rejects.toThrow(
      new ExportRefused('401 missing or unknown bearer token: send "Authorization: Bearer <tenant token>"'),
    );
    await expect(
      exportTo(new PassThrough(), { ...opts, token: 'good', search: new URLSearchParams('error=maybe') }),
    ).rejects.toThrow(/^400 error: expected true or false/);
  });

  it('gives up after its retries, saying where to resume', async () => {
    // Cut before the first page is whole: no progress, ever.
    const { url, proxy } = await cuttingProxy(base, 100, 500);
    try {
      await expect(
        exportTo(new PassThrough(), {
          url,
          token: 'good',
          what: 'traces',
          format: 'ndjson',
          search: new URLSearchParams('limit=4'),
          retries: 2,
          backoffMs: 1,
        }),
      ).rejects.toThrow(/^export incomplete after 2 retries \(/);
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });
});

describe('back-pressure', () => {
  it('reads no further pages while the client does not read, and serves other requests meanwhile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'koder-export-bp-'));
    const store = openEmbeddedStore(join(dir, 'traces.db'));
    // 120 traces of ~100 KB each (a long prompt), 5 per page: 12 MB, more than socket buffers hold.
    await fill(store, 120, () => ({ padding: 100_000 }));
    const inner = embeddedBackend(store);
    let pages = 0;
    const { base, server } = await serve({
      ...inner,
      search: (t, f) => {
        if (f.limit === 5) pages++; // the export's pages, not the other request's search
        return inner.search(t, f);
      },
    });
    try {
      const res = await new Promise<IncomingMessage>((resolve) =>
        get(`${base}/api/v1/export?limit=5`, { headers: auth }, resolve),
      );
      res.pause();
      // Wait until the export stops making progress.
      let seen = -1;
      while (seen !== pages) {
        seen = pages;
        await sleep(300);
      }
      const searchesBeforeReading = pages;
      expect(searchesBeforeReading).toBeLessThan(24);
      // The API answers while the export waits.
      const other = await fetch(`${base}/api/v1/traces?limit=1`, { headers: auth });
      expect(other.status).toBe(200);
      // Reading again finishes the export: every trace, then the end record.
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.resume();
      await new Promise((r) => res.on('end', r));
      const records = ndjson(Buffer.concat(chunks).toString());
      expect(records.filter((r) => r.type === 'trace')).toHaveLength(120);
      expect(records.at(-1)).toEqual({ type: 'end', traces: 120 });
      expect(pages).toBe(24);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
