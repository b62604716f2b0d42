// The query API's contract, checked where it is served: every documented operation is called on both
// backends (the embedded store, and the Tempo backend against the stand-in with Tempo's rules), each
// answer's status must be one the operation documents, and its body must match that status's schema
// (contract/operations.ts, which also generates /api/v1/openapi.json). Every documented status is
// produced at least once, so nothing documented goes unchecked.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeTraceRequest } from '@koder-trace/ingester/otlp';
import type { TenantRegistry } from '@koder-trace/ingester/tenants';
import { addSpanUsage, emptyLedger, ledgerBatch, sdkJson, sdkProtobuf } from '@koder-trace/ingester/testing';
import {
  createQueryServer,
  type DashboardT,
  DEFAULT_PRICES,
  OPERATIONS,
  type Operation,
  type OperationName,
  type QueryDeps,
  trustedProxies,
} from '@koder-trace/query/api';
import {
  type EmbeddedStore,
  embeddedBackend,
  openEmbeddedStore,
  type TraceBackend,
  tempoBackend,
} from '@koder-trace/query/backend';
import { agentRun } from '@koder-trace/query/testing';
import { pino } from 'pino';
import { Compile } from 'typebox/compile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpCapture, startOtlpCapture } from '../harness/otlp-capture.ts';
import { batchJson } from '../harness/otlp-json.ts';
import { startTempoStandin, type TempoStandin } from '../harness/tempo-standin.ts';

const TENANT = 'team-a';
const registry = {
  singleTenant: false,
  authenticate: (h: string | undefined) => (h === 'Bearer good' ? { id: TENANT } : undefined),
  readersOf: (user: string) => (user === 'reader@example.com' ? [TENANT] : []),
} as unknown as TenantRegistry;
/** A person signed in through the trusted proxy (this test's own address) who reads no tenant. */
const stranger = { 'x-forwarded-email': 'stranger@example.com' };
const auth = { authorization: 'Bearer good' };

type Seen = Set<string>; // "operation status"
const BACKENDS = ['embedded', 'tempo'] as const;

interface Served {
  base: string;
  server: Server;
}

async function serve(backend: TraceBackend, ingestUrl: string): Promise<Served> {
  const deps: QueryDeps = {
    backend,
    registry: () => registry,
    log: pino({ level: 'silent' }),
    prices: DEFAULT_PRICES,
    ingestUrl,
    ingest: { otlpHttp: 'http://127.0.0.1:4318', otlpGrpc: '127.0.0.1:4317' },
    identity: { userHeader: 'x-forwarded-email', proxies: trustedProxies(['127.0.0.1']) },
  };
  const server = createQueryServer(deps);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const checkers = new Map<unknown, ReturnType<typeof Compile>>();
function check(schema: unknown, body: unknown): string[] {
  let c = checkers.get(schema);
  if (!c) {
    c = Compile(schema as Parameters<typeof Compile>[0]);
    checkers.set(schema, c);
  }
  return c.Check(body) ? [] : [...c.Errors(body)].map((e) => `${e.instancePath || '/'} ${e.message}`);
}

describe('query API contract (embedded store; Tempo backend against the stand-in)', () => {
  let store: EmbeddedStore;
  let standin: TempoStandin;
  let capture: OtlpCapture;
  const served = {} as Record<(typeof BACKENDS)[number], Served>;
  let noIngester: Served;
  const seen: Seen = new Set();
  let traceId = '';
  // One range for both backends, so their buckets line up.
  const endMs = Date.now() + 60_000;
  const window = `start=${endMs - 86_400_000}&end=${endMs}`;
  const usage: Partial<Record<(typeof BACKENDS)[number], unknown>> = {};
  const dashboards: Partial<Record<(typeof BACKENDS)[number], DashboardT>> = {};
  let spanId = '';

  /** Calls one operation; checks the status is documented and the body matches its schema. */
  async function call(
    name: OperationName,
    on: Served,
    path: string,
    init: RequestInit & { headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: unknown; text: string }> {
    const op = OPERATIONS[name] as Operation;
    const res = await fetch(`${on.base}${path}`, { ...init, headers: { ...auth, ...init.headers } });
    const text = await res.text();
    const documented = op.responses[res.status];
    expect(documented, `${name} answered ${res.status}, which is not documented: ${text}`).toBeDefined();
    seen.add(`${name} ${res.status}`);
    let body: unknown = text;
    if (documented?.schema) {
      body = JSON.parse(text);
      expect(check(documented.schema, body), `${name} ${res.status}: ${text.slice(0, 300)}`).toEqual([]);
    }
    return { status: res.status, body, text };
  }

  beforeAll(async () => {
    store = openEmbeddedStore(':memory:');
    standin = await startTempoStandin({ mode: '3.0' });
    capture = await startOtlpCapture();
    for (let i = 0; i < 6; i++) {
      const { spans } = await agentRun(i, {
        conversationId: i < 4 ? 'alpha' : 'beta',
        user: { key: 'user.id', value: i % 2 ? 'ada' : 'bob', on: 'span' },
      });
      const batch = decodeTraceRequest(sdkProtobuf(spans));
      store.insert(TENANT, batch);
      // The usage ledger the ingester writes for a decided trace, in both stores.
      const ledger = emptyLedger();
      for (const rs of batch.resourceSpans)
        for (const ss of rs.scopeSpans) for (const span of ss.spans) addSpanUsage(ledger, span, rs.resource);
      const first = batch.resourceSpans[0]?.scopeSpans[0]?.spans[0];
      const ledgerSpans = first && ledgerBatch(first.traceId, ledger, { keep: true, rule: 'default' })?.batch;
      if (ledgerSpans) {
        store.insert(TENANT, ledgerSpans);
        standin.push(TENANT, batchJson(ledgerSpans));
      }
      standin.push(TENANT, sdkJson(spans));
      if (i === 2) {
        traceId = spans[0]?.spanContext().traceId as string;
        spanId = spans.find((s) => s.name.startsWith('chat'))?.spanContext().spanId as string;
      }
    }
    served.embedded = await serve(embeddedBackend(store), capture.url);
    served.tempo = await serve(tempoBackend({ url: standin.url }), capture.url);
    noIngester = await serve(embeddedBackend(store), 'http://127.0.0.1:1');
  });
  afterAll(async () => {
    for (const s of [...Object.values(served), noIngester]) {
      s?.server.closeAllConnections();
      s?.server.close();
    }
    await standin?.close();
    await capture?.close();
    await store?.close();
  });

  describe.each(BACKENDS)('%s', (backend) => {
    const on = () => served[backend];

    it('search: a page of traces, refusals', async () => {
      const page = await call('search', on(), '/api/v1/traces?limit=3');
      expect((page.body as { traces: unknown[] }).traces).toHaveLength(3);
      // Each agent run previews its question and answer, on both backends.
      for (const row of (page.body as { traces: { preview: { input: string | null } | null }[] }).traces)
        expect(row.preview?.input).toMatch(/^question \d+/);
      // Full text on both: the store's index, TraceQL regular expressions over Tempo.
      const found = await call('search', on(), '/api/v1/traces?q=question');
      const rows = (found.body as { traces: { match?: { text: string } }[] }).traces;
      expect(rows).toHaveLength(6);
      expect(rows[0]?.match?.text).toMatch(/question/);
      await call('search', on(), '/api/v1/traces?limit=0');
      await call('search', on(), '/api/v1/traces', { headers: { authorization: 'Bearer bad' } });
    });

    it('trace: the whole trace, refusals', async () => {
      const t = await call('trace', on(), `/api/v1/traces/${traceId}`);
      expect((t.body as { spans: unknown[] }).spans.length).toBeGreaterThanOrEqual(3);
      await call('trace', on(), '/api/v1/traces/zzz');
      await call('trace', on(), `/api/v1/traces/${'ab'.repeat(16)}`);
      await call('trace', on(), `/api/v1/traces/${traceId}`, { headers: { authorization: '' } });
    });

    it('ratings: written through the ingest path, refusals', async () => {
      const post = (body: unknown, headers: Record<string, string> = {}) => ({
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      await call('rate', on(), '/api/v1/ratings', post({ traceId, spanId, score: 1, comment: 'right' }));
      await call('rate', on(), '/api/v1/ratings', post({ traceId, spanId, score: 2 }));
      await call('rate', on(), '/api/v1/ratings', post({ traceId, spanId, score: 1 }, { authorization: '' }));
      await call(
        'rate',
        on(),
        '/api/v1/ratings',
        post({ traceId, spanId, score: 1 }, { origin: 'http://evil.example' }),
      );
      await call('rate', on(), '/api/v1/ratings', post({ traceId, spanId: 'ab'.repeat(8), score: 1 }));
      await call(
        'rate',
        on(),
        '/api/v1/ratings',
        post({ traceId, spanId, score: 1, comment: 'x'.repeat(70_000) }),
      );
      await call('rate', on(), '/api/v1/ratings', { ...post({}), headers: { 'content-type': 'text/plain' } });
    });

    it('prompts and the prompt-version overlay', async () => {
      const p = await call('prompts', on(), '/api/v1/prompts');
      expect((p.body as { prompts: unknown[] }).prompts).toHaveLength(1);
      await call('prompts', on(), '/api/v1/prompts?start=yesterday');
      await call('prompts', on(), '/api/v1/prompts', { headers: { authorization: '' } });
      const o = await call('overlay', on(), '/api/v1/prompts/support-answer/versions?buckets=4');
      expect((o.body as { versions: unknown[] }).versions).toHaveLength(2);
      await call('overlay', on(), '/api/v1/prompts/support-answer/versions?buckets=0');
      await call('overlay', on(), '/api/v1/prompts/support-answer/versions', {
        headers: { authorization: '' },
      });
    });

    it('dashboard: figures over time by model and tenant, refusals', async () => {
      const d = await call('dashboard', on(), `/api/v1/dashboard?buckets=6&by=model&${window}`);
      const body = d.body as DashboardT;
      expect(body.groups.length).toBeGreaterThan(0);
      expect(body.series).toHaveLength(6);
      const calls = body.groups.reduce((n, g) => n + g.calls, 0);
      expect(calls).toBeGreaterThan(0);
      expect(body.partial).toBeUndefined();
      dashboards[backend] = body;
      // The six runs' calls by their end user (user.id on the span), three each.
      const users = await call('dashboard', on(), `/api/v1/dashboard?by=user&${window}`);
      expect((users.body as DashboardT).groups.map((g) => g.key).sort()).toEqual(['ada', 'bob']);
      const t = await call('dashboard', on(), '/api/v1/dashboard?by=tenant');
      expect((t.body as DashboardT).groups.map((g) => g.key)).toEqual([TENANT]);
      await call('dashboard', on(), '/api/v1/dashboard?by=colour');
      await call('dashboard', on(), '/api/v1/dashboard', { headers: { authorization: '' } });
    });

    it('sessions: listed (embedded) or said to be impossible (Tempo), and opened on both', async () => {
      const list = await call('sessions', on(), '/api/v1/sessions');
      expect(list.status).toBe(backend === 'embedded' ? 200 : 501);
      await call('sessions', on(), '/api/v1/sessions?limit=9999');
      await call('sessions', on(), '/api/v1/sessions', { headers: { authorization: '' } });
      const s = await call('session', on(), '/api/v1/sessions/alpha');
      expect((s.body as { turns: unknown[] }).turns).toHaveLength(4);
      await call('session', on(), '/api/v1/sessions/nobody');
      await call('session', on(), '/api/v1/sessions/alpha?limit=0');
      await call('session', on(), '/api/v1/sessions/alpha', { headers: { authorization: '' } });
    });

    it('users: listed (embedded) or said to be impossible (Tempo); traces filtered by user on both', async () => {
      const list = await call('users', on(), '/api/v1/users');
      expect(list.status).toBe(backend === 'embedded' ? 200 : 501);
      await call('users', on(), '/api/v1/users?cursor=zzz');
      await call('users', on(), '/api/v1/users', { headers: { authorization: '' } });
      const ada = await call('search', on(), '/api/v1/traces?userId=ada');
      expect((ada.body as { traces: unknown[] }).traces).toHaveLength(3);
    });

    it('export: every record of the stream matches the trace detail schema', async () => {
      const e = await call('export', on(), '/api/v1/export?limit=4');
      const records = e.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; trace?: unknown });
      expect(records.filter((r) => r.type === 'trace')).toHaveLength(6);
      for (const r of records.filter((r) => r.type === 'trace'))
        expect(check(OPERATIONS.trace.responses[200].schema, r.trace)).toEqual([]);
      await call('export', on(), '/api/v1/export?format=csv');
      await call('export', on(), '/api/v1/export', { headers: { authorization: '' } });
    });

    it('usage: the ledger by request and in totals', async () => {
      const tracesRead = () => standin.requests.filter((r) => r.path.startsWith('/api/v2/traces/')).length;
      const before = tracesRead();
      const totals = await call('usage', on(), '/api/v1/usage');
      expect(totals.status).toBe(200);
      const req = await call('usage', on(), '/api/v1/usage?requestId=req-2');
      expect(req.body).toMatchObject({ requestId: 'req-2', stored: 'kept' });
      const one = await call('usage', on(), '/api/v1/usage?requestId=nobody');
      expect(one.status).toBe(404);
      expect((totals.body as { rows: unknown[] }).rows.length).toBeGreaterThan(0);
      usage[backend] = { totals: totals.body, request: req.body };
      expect(tracesRead()).toBe(before); // over Tempo, the search's selected attributes are all it reads
      if (backend === 'tempo')
        expect(standin.requests.some((r) => /\| select\(/.test(r.query.get('q') ?? ''))).toBe(true);
      await call('usage', on(), '/api/v1/usage?start=soon');
      await call('usage', on(), '/api/v1/usage', { headers: { authorization: '' } });
    });

    it('info, without a token', async () => {
      await call('info', on(), '/api/v1/info', { headers: { authorization: '' } });
      await call('info', on(), '/api/v1/info?x=1', { headers: { authorization: '' } });
    });
  });

  it('the usage ledger reads the same from both backends (Tempo: selected attributes, no trace read)', () => {
    expect(usage.tempo).toEqual(usage.embedded);
    expect(usage.embedded).toBeDefined();
  });

  it('the dashboard reads the same figures from both backends', () => {
    const { embedded, tempo } = dashboards;
    expect(embedded && tempo).toBeTruthy();
    // Sums taken in another order differ in the last bits of a double.
    const figures = (d?: DashboardT) =>
      JSON.parse(
        JSON.stringify({ groups: d?.groups, series: d?.series }, (_, v) =>
          typeof v === 'number' ? Number(v.toPrecision(12)) : v,
        ),
      );
    expect(figures(tempo)).toEqual(figures(embedded));
  });

  it('a rating the ingester cannot take answers 502', async () => {
    await call('rate', noIngester, '/api/v1/ratings', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ traceId, spanId, score: 0 }),
    });
  });

  it('a person signed in through the trusted proxy who reads no tenant gets 403, on every operation', async () => {
    for (const [name, op] of Object.entries(OPERATIONS) as [OperationName, Operation][]) {
      if (!op.auth) continue;
      const path = op.path.replace(/\{traceId\}/, traceId).replace(/\{[^}]+\}/g, 'x');
      const post = op.method === 'post';
      await call(name, served.embedded, path, {
        method: op.method.toUpperCase(),
        headers: { authorization: '', ...stranger, ...(post ? { 'content-type': 'application/json' } : {}) },
        ...(post ? { body: JSON.stringify({ traceId, spanId, score: 1 }) } : {}),
      });
      expect(seen.has(`${name} 403`), `${name} answered 403`).toBe(true);
    }
  });

  it('every documented status of every operation was produced and checked', () => {
    const documented = Object.entries(OPERATIONS).flatMap(([name, op]) =>
      Object.keys((op as Operation).responses).map((status) => `${name} ${status}`),
    );
    expect(documented.filter((d) => !seen.has(d))).toEqual([]);
  });
});
