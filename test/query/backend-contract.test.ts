// One contract, two backends. The embedded store runs for real; Tempo cannot run here (no container
// engine, and it is never built from source), so it is answered by fixtures in Tempo's documented
// response shapes: /api/v2/traces/<id> as protobuf-JSON with base64 ids, /api/search with hex
// traceIDs and root names. Search *matching* is Tempo's job; the fixtures check the TraceQL and the
// X-Scope-OrgID we send, and both backends must read the same traces identically.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTraceRequestJson } from '../../ingester/src/otlp/decode-json.ts';
import { agentSpans, sdkJson } from '../../ingester/src/testing/sdk-spans.ts';
import { embeddedBackend, type TraceBackend } from '../../query/src/backend/backend.ts';
import { tempoBackend } from '../../query/src/backend/tempo.ts';
import { openEmbeddedStore } from '../../query/src/store/sqlite-store.ts';

type Json = Record<string, unknown>;

/** OTLP/JSON (hex ids) → the protobuf-JSON Tempo returns (base64 ids), recursively. */
function toTempoShape(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => toTempoShape(x));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toTempoShape(x, k)]));
  if (typeof v === 'string' && ['traceId', 'spanId', 'parentSpanId'].includes(key) && v)
    return Buffer.from(v, 'hex').toString('base64');
  return v;
}

const requests: { path: string; query: URLSearchParams; orgId: string | undefined }[] = [];

async function tempoFixtures(
  traces: Map<string, Json>,
  summaries: Json[],
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({
      path: url.pathname,
      query: url.searchParams,
      orgId: req.headers['x-scope-orgid'] as string | undefined,
    });
    const m = /^\/api\/v2\/traces\/([0-9a-f]+)$/.exec(url.pathname);
    if (m && req.headers['x-scope-orgid'] === 'team-a' && traces.has(m[1] as string)) {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ trace: traces.get(m[1] as string), metrics: {} }));
    } else if (m) {
      res.writeHead(404).end('trace not found');
    } else if (url.pathname === '/api/v2/search/tag/span.koder.prompt.id/values') {
      // Tempo's tag-values API (v2 shape: typed values).
      const values =
        req.headers['x-scope-orgid'] === 'team-a' ? [{ type: 'string', value: 'support-answer' }] : [];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ tagValues: values }));
    } else if (url.pathname === '/api/search') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ traces: req.headers['x-scope-orgid'] === 'team-a' ? summaries : [], metrics: {} }),
        );
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('query backends: one contract (Tempo answered from fixtures in its documented shapes)', () => {
  const backends: Record<string, TraceBackend> = {};
  let ids: string[] = [];
  let server: Server;

  beforeAll(async () => {
    const bodies = [sdkJson(await agentSpans('support-agent')), sdkJson(await agentSpans('billing-agent'))];
    const store = openEmbeddedStore(':memory:');
    const traces = new Map<string, Json>();
    const summaries: Json[] = [];
    for (const body of bodies) {
      const json = JSON.parse(body.toString()) as {
        resourceSpans: { scopeSpans: { spans: Json[] }[]; resource: Json }[];
      };
      const spans = json.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
      const id = String(spans[0]?.traceId);
      ids.push(id);
      store.insert('team-a', decodeTraceRequestJson(body));
      traces.set(id, toTempoShape(json) as Json);
      const root = spans.find((s) => !s.parentSpanId) as Json;
      const start = spans.reduce(
        (m, s) => (BigInt(String(s.startTimeUnixNano)) < m ? BigInt(String(s.startTimeUnixNano)) : m),
        BigInt(String(root.startTimeUnixNano)),
      );
      const end = spans.reduce(
        (m, s) => (BigInt(String(s.endTimeUnixNano)) > m ? BigInt(String(s.endTimeUnixNano)) : m),
        0n,
      );
      summaries.push({
        traceID: id.replace(/^0+/, ''), // Tempo trims leading zeros in search results
        rootServiceName: json.resourceSpans[0]?.resource
          ? id === ids[0]
            ? 'support-agent'
            : 'billing-agent'
          : '',
        rootTraceName: root.name,
        startTimeUnixNano: start.toString(),
        durationMs: Number(end - start) / 1e6,
      });
    }
    ids = ids.sort();
    const fixtures = await tempoFixtures(traces, summaries);
    server = fixtures.server;
    backends.embedded = embeddedBackend(store);
    backends.tempo = tempoBackend({ url: fixtures.url });
  });
  afterAll(() => {
    server?.close();
  });

  for (const name of ['embedded', 'tempo']) {
    it(`${name}: reads every span of a trace with its GenAI columns`, async () => {
      const b = backends[name] as TraceBackend;
      const rows = await b.spans('team-a', ids[0] as string);
      expect(rows).toHaveLength(4);
      const chat = rows.find((r) => r.operation === 'chat' && r.request_model === 'gpt-4o');
      expect(chat).toMatchObject({
        input_tokens: 1200,
        prompt_id: 'support-answer',
        prompt_version: 'v3',
        service: expect.any(String),
      });
      expect(rows.filter((r) => r.is_error === 1).map((r) => r.name)).toEqual(['execute_tool lookup_order']);
      expect((await b.span('team-a', ids[0] as string, chat?.span_id ?? ''))?.name).toBe(chat?.name);
    });

    it(`${name}: finds nothing for another tenant or an unknown trace`, async () => {
      const b = backends[name] as TraceBackend;
      expect(await b.spans('team-b', ids[0] as string)).toEqual([]);
      expect(await b.spans('team-a', '0'.repeat(32))).toEqual([]);
      expect((await b.search('team-b', { limit: 10 })).rows).toEqual([]);
    });

    it(`${name}: search rows carry the same totals, models and prompt versions`, async () => {
      const b = backends[name] as TraceBackend;
      const { rows } = await b.search('team-a', { limit: 10 });
      expect(rows.map((r) => r.trace_id).sort()).toEqual(ids);
      for (const r of rows)
        expect(r).toMatchObject({
          span_count: 4,
          error_count: 1,
          input_tokens: 1200,
          root_name: 'invoke_agent support',
        });
      const facets = await b.traceFacets('team-a', ids);
      expect([...facets.values()]).toEqual([
        { models: ['gpt-4o'], promptVersions: ['v3'] },
        { models: ['gpt-4o'], promptVersions: ['v3'] },
      ]);
      const usage = await b.modelUsage('team-a', ids);
      expect(usage.reduce((n, u) => n + u.input_tokens, 0)).toBe(2400);
    });
  }

  it('lists the prompts in use: embedded with versions and counts, tempo ids only (from tag values)', async () => {
    const week = [0n, BigInt(Date.now() + 3600_000) * 1_000_000n] as const;
    expect(await (backends.embedded as TraceBackend).prompts('team-a', ...week)).toEqual([
      { prompt_id: 'support-answer', prompt_version: 'v3', calls: 2, last_ns: expect.any(BigInt) },
    ]);
    expect(await (backends.tempo as TraceBackend).prompts('team-a', ...week)).toEqual([
      { prompt_id: 'support-answer', prompt_version: null, calls: 0, last_ns: 0n },
    ]);
    expect(await (backends.tempo as TraceBackend).prompts('team-b', ...week)).toEqual([]);
    expect(await (backends.embedded as TraceBackend).prompts('team-b', ...week)).toEqual([]);
  });

  it('tempo: sends TraceQL, the time range in seconds and the tenant as X-Scope-OrgID', async () => {
    requests.length = 0;
    await (backends.tempo as TraceBackend).search('team-a', {
      limit: 5,
      model: 'gpt-4o',
      startNs: 1_700_000_000_000_000_000n,
      endNs: 1_700_000_100_000_000_000n,
    });
    const search = requests.find((r) => r.path === '/api/search');
    expect(search?.orgId).toBe('team-a');
    expect(search?.query.get('q')).toBe(
      '{ (span.gen_ai.response.model = "gpt-4o" || span.gen_ai.request.model = "gpt-4o") }',
    );
    expect(search?.query.get('start')).toBe('1700000000');
    expect(search?.query.get('end')).toBe('1700000100');
    expect(search?.query.get('limit')).toBe('6');
  });
});
