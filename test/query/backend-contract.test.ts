// One contract, two backends, three stores: the embedded store runs for real; Tempo cannot run here
// (no container engine, and it is never built from source), so the Tempo backend reads from a stand-in
// that applies Tempo's own rules (test/harness/tempo-standin.ts: response shapes as Tempo marshals
// them, parameter validation, the 168 h limit, first-found order, recent-only search without a range,
// 200-empty for unknown ids, strict TraceQL), once with 2.8 rules and once with 3.0 rules. The same
// traces are written to all three (through the stand-in's OTLP write side, or pushed with an arrival
// time in the past), and every backend must answer every question the same way.

import { decodeTraceRequestJson } from '@koder-trace/ingester/otlp';
import { agentSpans, sdkJson } from '@koder-trace/ingester/testing';
import {
  type EmbeddedStore,
  embeddedBackend,
  openEmbeddedStore,
  type TraceBackend,
  type TraceFilter,
  tempoBackend,
  traceql,
} from '@koder-trace/query/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTempoStandin, type TempoStandin } from '../harness/tempo-standin.ts';
import { parse } from '../harness/tempo-traceql.ts';

type Json = Record<string, unknown>;

const MS = 1_000_000n;
const SEC = 1_000_000_000n;
const MIN = 60n * SEC;
const HOUR = 60n * MIN;
const DAY = 24n * HOUR;
const NOW = ((BigInt(Date.now()) * MS) / SEC) * SEC; // a whole second: the bursts below start on it

// ------------------------------------------------------------------------------------------------
// Traces built span by span (OTLP/JSON, hex ids, integer enums — as the ingester exports them)

interface SpanSpec {
  id: string;
  parent?: string;
  name: string;
  service?: string;
  start: bigint;
  dur?: bigint;
  attrs?: Record<string, string | number | boolean>;
  statusError?: boolean;
}

const hexId = (n: number, digits: number) => n.toString(16).padStart(digits, '0');
let nextTrace = 1;
const newTraceId = () => `${hexId(0xabc, 8)}${hexId(nextTrace++, 24)}`;

function anyValue(v: string | number | boolean): Json {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

function otlp(traceId: string, spans: SpanSpec[]): Json {
  const byService = new Map<string, Json[]>();
  for (const s of spans) {
    const list = byService.get(s.service ?? 'svc') ?? [];
    byService.set(s.service ?? 'svc', list);
    list.push({
      traceId,
      spanId: s.id,
      ...(s.parent ? { parentSpanId: s.parent } : {}),
      name: s.name,
      kind: 1,
      startTimeUnixNano: String(s.start),
      endTimeUnixNano: String(s.start + (s.dur ?? 10n * MS)),
      attributes: Object.entries(s.attrs ?? {}).map(([key, v]) => ({ key, value: anyValue(v) })),
      status: s.statusError ? { code: 2, message: 'failed' } : {},
    });
  }
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ scope: { name: 'contract-test' }, spans: list }],
    })),
  };
}

/** Every timestamp of an OTLP/JSON request moved by `by` nanoseconds. */
function shifted(body: Json, by: bigint): Json {
  const walk = (v: unknown, key = ''): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    if (/^(start|end)?TimeUnixNano$|^timeUnixNano$/.test(key) && v !== undefined)
      return String(BigInt(String(v)) + by);
    return v;
  };
  return walk(body) as Json;
}

// ------------------------------------------------------------------------------------------------

const BACKENDS = ['embedded', 'tempo 2.8', 'tempo 3.0'] as const;
type BackendName = (typeof BACKENDS)[number];

describe('query backends: one contract (embedded store; Tempo backend against a stand-in with Tempo 2.8 and 3.0 rules)', () => {
  const backends = {} as Record<BackendName, TraceBackend>;
  const standins = {} as Record<'2.8' | '3.0', TempoStandin>;
  let store: EmbeddedStore;
  const ids: Record<string, string> = {};
  const burst: string[] = [];

  /** Writes one trace everywhere; to the stand-ins through their OTLP write side, or pushed as arrived at `arrivedNs`. */
  async function write(tenant: string, body: Json, arrivedNs?: bigint) {
    store.insert(tenant, decodeTraceRequestJson(JSON.stringify(body)));
    for (const s of Object.values(standins)) {
      if (arrivedNs !== undefined) s.push(tenant, body, Number(arrivedNs / MS));
      else {
        const res = await fetch(`${s.url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'X-Scope-OrgID': tenant },
          body: JSON.stringify(body),
        });
        expect(res.status).toBe(200);
      }
    }
  }

  /** A one-span trace (plus optional children) written as arrived right after it ended. */
  async function simple(name: string, start: bigint, specs: Partial<SpanSpec>[] = [], tenant = 'team-a') {
    const id = newTraceId();
    ids[name] = id;
    const spans: SpanSpec[] = [
      { id: hexId(1, 16), name, start, dur: SEC, ...specs[0] },
      ...specs
        .slice(1)
        .map((s, i) => ({ id: hexId(i + 2, 16), parent: hexId(1, 16), name: `${name} child`, start, ...s })),
    ];
    await write(tenant, otlp(id, spans), start + HOUR > NOW ? undefined : start + 2n * SEC);
    return id;
  }

  beforeAll(async () => {
    store = openEmbeddedStore(':memory:');
    standins['2.8'] = await startTempoStandin({ mode: '2.8' });
    standins['3.0'] = await startTempoStandin({ mode: '3.0' });
    backends.embedded = embeddedBackend(store);
    backends['tempo 2.8'] = tempoBackend({ url: standins['2.8'].url });
    backends['tempo 3.0'] = tempoBackend({ url: standins['3.0'].url });

    // Two agent runs made by the OTel SDK, ten minutes ago, through the OTLP write side.
    for (const [service, ago] of [
      ['support-agent', 10n * MIN],
      ['billing-agent', 12n * MIN],
    ] as const) {
      const body = JSON.parse(sdkJson(await agentSpans(service)).toString()) as Json;
      const moved = shifted(body, -ago);
      const spans = (moved.resourceSpans as { scopeSpans: { spans: Json[] }[] }[])[0]?.scopeSpans[0]?.spans;
      ids[service] = String(spans?.[0]?.traceId);
      await write('team-a', moved);
    }
    // Old traces, arrived long ago: seen only by searches with a range.
    await simple('three days ago', NOW - 3n * DAY, [{ attrs: { 'koder.prompt.id': 'old-prompt' } }]);
    await simple('twenty days ago', NOW - 20n * DAY, [{ attrs: { 'koder.prompt.id': 'old-prompt' } }]);
    // The root service is the root span's: a child from another service does not make it the trace's.
    await simple('routed', NOW - 2n * HOUR, [{ service: 'router' }, { service: 'tool-svc' }]);
    // An error marked only by error.type, on another span than the model's.
    await simple('error by type', NOW - 3n * HOUR, [
      {},
      { attrs: { 'gen_ai.request.model': 'claude-x' } },
      { attrs: { 'error.type': 'timeout' } },
    ]);
    // Values TraceQL must escape, and an integer beyond 64 bits kept as text.
    await simple('say "hi" \\ \n bye', NOW - 4n * HOUR, [{ attrs: { big: '99999999999999999999' } }]);
    // A trace whose root span has not arrived.
    await simple('orphan', NOW - 5n * HOUR, [
      { parent: hexId(99, 16), attrs: { 'koder.request_id': 'orphan' } },
    ]);
    // A trace rated an hour after it ended: the rating does not stretch its window.
    const rated = await simple('rated', NOW - 6n * HOUR, [{ attrs: { 'koder.request_id': 'rated' } }]);
    await write(
      'team-a',
      otlp(rated, [
        {
          id: hexId(50, 16),
          parent: hexId(1, 16),
          name: 'koder.rating',
          service: 'koder-trace-ratings',
          start: NOW - 5n * HOUR,
          dur: 0n,
          attrs: { 'koder.rating.score': 0.75 },
        },
      ]),
      NOW - 5n * HOUR,
    );
    // Five runs a few minutes apart, written oldest first: "first found" is not "newest".
    for (const m of [50n, 40n, 30n, 20n, 10n])
      await simple(`order ${m}`, NOW - 7n * HOUR - m * MIN, [{ attrs: { 'koder.request_id': 'order' } }]);
    // Seven runs starting within one second, three of them at the same nanosecond.
    const t0 = NOW - 8n * HOUR;
    for (const [i, off] of [0n, 100n * MS, 100n * MS, 100n * MS, 500n * MS, 900n * MS, SEC - 1n].entries())
      burst.push(await simple(`burst ${i}`, t0 + off, [{ attrs: { 'koder.request_id': 'burst' } }]));
  });
  afterAll(async () => {
    await Promise.all(Object.values(standins).map((s) => s.close()));
    await store?.close();
  });

  const search = (name: BackendName, f: TraceFilter, tenant = 'team-a') =>
    (backends[name] as TraceBackend).search(tenant, f);
  const idsOf = async (name: BackendName, f: TraceFilter) =>
    (await search(name, f)).rows.map((r) => r.trace_id);

  for (const name of BACKENDS) {
    it(`${name}: reads every span of a trace with its GenAI columns`, async () => {
      const b = backends[name];
      const rows = await b.spans('team-a', ids['support-agent'] as string);
      expect(rows).toHaveLength(4);
      const chat = rows.find((r) => r.operation === 'chat' && r.request_model === 'gpt-4o');
      expect(chat).toMatchObject({
        input_tokens: 1200,
        prompt_id: 'support-answer',
        prompt_version: 'v3',
        service: 'support-agent',
        kind: 3,
      });
      expect(rows.filter((r) => r.is_error === 1).map((r) => r.name)).toEqual(['execute_tool lookup_order']);
      expect(rows.find((r) => r.is_error === 1)?.status_code).toBe(2);
      expect((await b.span('team-a', ids['support-agent'] as string, chat?.span_id ?? ''))?.name).toBe(
        chat?.name,
      );
    });

    it(`${name}: finds nothing for another tenant or an unknown trace`, async () => {
      const b = backends[name];
      expect(await b.spans('team-b', ids['support-agent'] as string)).toEqual([]);
      expect(await b.spans('team-a', '0'.repeat(32))).toEqual([]);
      expect((await b.search('team-b', { limit: 10 })).rows).toEqual([]);
    });

    it(`${name}: search rows carry the same totals, models and prompt versions`, async () => {
      const b = backends[name];
      const agents = [ids['support-agent'], ids['billing-agent']] as string[];
      const { rows } = await b.search('team-a', { limit: 2 });
      expect(rows.map((r) => r.trace_id)).toEqual(agents); // newest first
      for (const r of rows)
        expect(r).toMatchObject({
          span_count: 4,
          error_count: 1,
          input_tokens: 1200,
          root_name: 'invoke_agent support',
        });
      const facets = await b.traceFacets('team-a', agents);
      expect([...facets.values()]).toEqual([
        { models: ['gpt-4o'], promptVersions: ['v3'] },
        { models: ['gpt-4o'], promptVersions: ['v3'] },
      ]);
      const usage = await b.modelUsage('team-a', agents);
      expect(usage.reduce((n, u) => n + u.input_tokens, 0)).toBe(2400);
    });

    it(`${name}: a search without a range covers old traces too, as the store does`, async () => {
      const found = await idsOf(name, { limit: 100 });
      expect(found).toContain(ids['three days ago']);
      expect(found).toContain(ids['twenty days ago']);
      expect(found).toEqual(await idsOf('embedded', { limit: 100 }));
    });

    it(`${name}: the UI's start without an end, and ranges over 168 h`, async () => {
      const week = await idsOf(name, { limit: 100, startNs: NOW - 7n * DAY });
      expect(week).toContain(ids['three days ago']);
      expect(week).not.toContain(ids['twenty days ago']);
      const month = await idsOf(name, { limit: 100, startNs: NOW - 30n * DAY, endNs: NOW });
      expect(month).toContain(ids['twenty days ago']);
      expect(month).toEqual(await idsOf('embedded', { limit: 100, startNs: NOW - 30n * DAY, endNs: NOW }));
    });

    it(`${name}: newest first, not first found`, async () => {
      expect(await idsOf(name, { limit: 2, requestId: 'order' })).toEqual([ids['order 10'], ids['order 20']]);
    });

    it(`${name}: paging through runs that start in one second skips, repeats and loops on nothing`, async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const { rows, next } = await search(name, {
          limit: 2,
          requestId: 'burst',
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...rows.map((r) => r.trace_id));
        if (!next) break;
        cursor = next;
      }
      expect(seen).toHaveLength(burst.length);
      expect(new Set(seen)).toEqual(new Set(burst));
      const embedded: string[] = [];
      cursor = undefined;
      do {
        const { rows, next }: { rows: { trace_id: string }[]; next?: string } = await search('embedded', {
          limit: 2,
          requestId: 'burst',
          ...(cursor ? { cursor } : {}),
        });
        embedded.push(...rows.map((r) => r.trace_id));
        cursor = next;
      } while (cursor);
      expect(seen).toEqual(embedded);
    });

    it(`${name}: full text finds traces by a word, a "phrase" or a prefix, in any case, and says where`, async () => {
      const agents = [ids['support-agent'], ids['billing-agent']].sort();
      // The tool span's status message and tool name (both backends read them).
      expect((await idsOf(name, { limit: 10, text: '"Timed OUT"' })).sort()).toEqual(agents);
      expect((await idsOf(name, { limit: 10, text: 'lookup_ord*' })).sort()).toEqual(agents);
      expect(await idsOf(name, { limit: 10, text: 'lookup_ord' })).toEqual([]); // a word, not a prefix
      expect(await idsOf(name, { limit: 10, text: 'timed nowhere' })).toEqual([]);
      const id = ids['support-agent'] as string;
      const where = (await backends[name].textMatches?.('team-a', [id], 'timed out'))?.get(id);
      expect(where?.text).toMatch(/timed out/);
      const [from, to] = where?.highlights[0] ?? [0, 0];
      expect(where?.text.slice(from, to).toLowerCase()).toMatch(/^(timed|out)$/);
    });

    it(`${name}: service is the root service`, async () => {
      expect(await idsOf(name, { limit: 10, service: 'tool-svc' })).toEqual([]);
      expect(await idsOf(name, { limit: 10, service: 'router' })).toEqual([ids.routed]);
    });

    it(`${name}: error=true finds error.type errors, on any span of the trace`, async () => {
      expect(await idsOf(name, { limit: 10, error: true, model: 'claude-x' })).toEqual([
        ids['error by type'],
      ]);
      expect(await idsOf(name, { limit: 100, error: true })).toEqual(
        await idsOf('embedded', { limit: 100, error: true }),
      );
    });

    it(`${name}: values with quotes, backslashes and newlines; integers beyond 64 bits`, async () => {
      expect(await idsOf(name, { limit: 10, name: 'say "hi" \\ \n bye' })).toEqual([
        ids['say "hi" \\ \n bye'],
      ]);
      expect(await idsOf(name, { limit: 10, attributes: [['big', '99999999999999999999']] })).toEqual([
        ids['say "hi" \\ \n bye'],
      ]);
    });

    it(`${name}: a trace without its root has no root service (not Tempo's placeholder)`, async () => {
      const { rows } = await search(name, { limit: 10, requestId: 'orphan' });
      expect(rows).toMatchObject([{ trace_id: ids.orphan, root_service: null, root_name: null }]);
    });

    it(`${name}: a rating given later does not stretch the trace's window`, async () => {
      const { rows } = await search(name, { limit: 10, requestId: 'rated' });
      expect(rows).toHaveLength(1);
      expect((rows[0]?.end_ns ?? 0n) - (rows[0]?.start_ns ?? 0n)).toBe(SEC);
      expect(rows[0]).toMatchObject({ span_count: 1, rating_count: 1, rating_sum: 0.75 });
    });

    it(`${name}: a trace read before its spans arrive is read again afterwards (nothing empty is cached)`, async () => {
      // Tenant team-c: these traces are written to one store each, apart from the shared data.
      const id = newTraceId();
      const b = backends[name];
      const add = (body: Json) =>
        name === 'embedded'
          ? store.insert('team-c', decodeTraceRequestJson(JSON.stringify(body)))
          : standins[name === 'tempo 2.8' ? '2.8' : '3.0'].push('team-c', body);
      expect(await b.spans('team-c', id)).toEqual([]);
      add(otlp(id, [{ id: hexId(1, 16), name: 'late', start: NOW - MIN }]));
      expect(await b.spans('team-c', id)).toHaveLength(1);
      add(otlp(id, [{ id: hexId(2, 16), parent: hexId(1, 16), name: 'later', start: NOW - MIN }]));
      expect(await b.spans('team-c', id)).toHaveLength(2);
    });

    it(`${name}: prompts over the default 7 days (604,801 s) and over 30 days`, async () => {
      const b = backends[name];
      const week = await b.prompts('team-a', NOW - 7n * DAY - SEC, NOW);
      expect(week.map((p) => p.prompt_id)).toEqual(['old-prompt', 'support-answer']);
      const month = await b.promptSpans('team-a', 'old-prompt', NOW - 30n * DAY, NOW);
      expect(month.map((r) => r.trace_id)).toEqual([ids['twenty days ago'], ids['three days ago']]);
      expect(await b.prompts('team-b', NOW - 7n * DAY, NOW)).toEqual([]);
    });
  }

  it('gives the dashboard the same points from every backend, over 30 days', async () => {
    const all = async (b: TraceBackend) => {
      const { points, partial } = await b.dashboardPoints('team-a', NOW - 30n * DAY, NOW);
      expect(partial).toBeUndefined();
      return [...points].sort((a, b) => Number(a.start_ns - b.start_ns) || a.input_tokens - b.input_tokens);
    };
    const embedded = await all(backends.embedded);
    // The chat call of each agent run (its other model span names no operation) and the rating of
    // "rated", counted with the span it rates.
    expect(embedded.filter((p) => p.is_call).map((p) => p.service)).toEqual([
      'billing-agent',
      'support-agent',
    ]);
    expect(embedded.filter((p) => p.rating !== null)).toMatchObject([{ rating: 0.75, service: 'svc' }]);
    for (const name of ['tempo 2.8', 'tempo 3.0'] as const)
      expect(await all(backends[name]), name).toEqual(embedded);
  });

  it('tempo: a dashboard over more traces than it reads says from when its figures are complete', async () => {
    const capped = tempoBackend({ url: (standins['3.0'] as TempoStandin).url, dashboardTraces: 2 });
    const { points, partial } = await capped.dashboardPoints('team-a', NOW - 30n * DAY, NOW);
    // The two newest traces with calls are the agent runs (10 and 12 minutes ago): complete figures
    // cover only the newer, which starts after the older one.
    expect(partial).toMatchObject({ traces: 1, reason: expect.stringMatching(/newest 2 traces/) });
    const billing = await backends.embedded.spans('team-a', ids['billing-agent'] as string);
    const billingStart = billing.map((r) => r.start_ns).sort((a, b) => (a < b ? -1 : 1))[0] as bigint;
    expect(partial?.fromNs).toBeGreaterThan(billingStart);
    expect([...points].map((p) => p.service)).toEqual(['support-agent']);
    expect([...points].every((p) => p.start_ns >= (partial?.fromNs ?? 0n))).toBe(true);
  });

  it('lists every usage ledger span page by page, several traces starting in one second too', async () => {
    const ledger = (i: number) => ({
      name: 'koder.usage',
      attrs: {
        'koder.usage.ledger': true,
        'koder.request_id': `ledger-${i}`,
        'koder.usage.tokens.input': 100 + i,
      },
    });
    // 11 ledger traces: five starting in one second, six a minute apart.
    for (let i = 0; i < 11; i++)
      await simple(
        `ledger ${i}`,
        i < 5 ? NOW - 9n * HOUR + BigInt(i) * MS : NOW - 9n * HOUR - BigInt(i) * MIN,
        [ledger(i)],
      );
    const listed = async (b: TraceBackend) => {
      const out: string[] = [];
      for await (const row of b.ledgerSpans('team-a', { startNs: NOW - DAY, endNs: NOW }))
        if (row.name === 'koder.usage') {
          const a = JSON.parse(row.attributes) as Record<string, unknown>;
          out.push(`${row.trace_id} ${a['koder.request_id']} ${a['koder.usage.tokens.input']}`);
        }
      return out.sort();
    };
    const embedded = await listed(backends.embedded);
    expect(embedded).toHaveLength(11);
    const paged = tempoBackend({ url: (standins['3.0'] as TempoStandin).url, ledgerPage: 3 });
    expect(await listed(paged)).toEqual(embedded);
    expect(await listed(backends['tempo 2.8'])).toEqual(embedded);
  });

  it('lists the prompts: embedded with versions and counts, tempo ids only (from tag values)', async () => {
    const week = [NOW - 7n * DAY, NOW + HOUR] as const;
    expect(
      (await backends.embedded.prompts('team-a', ...week)).filter((p) => p.prompt_id === 'support-answer'),
    ).toEqual([{ prompt_id: 'support-answer', prompt_version: 'v3', calls: 2, last_ns: expect.any(BigInt) }]);
    expect(await backends['tempo 3.0'].prompts('team-a', ...week)).toContainEqual({
      prompt_id: 'support-answer',
      prompt_version: null,
      calls: 0,
      last_ns: 0n,
    });
  });

  it('tempo: asks for the newest traces, with both bounds in seconds, windows of at most 168 h, and the tenant', async () => {
    for (const mode of ['2.8', '3.0'] as const) {
      const s = standins[mode];
      s.requests.length = 0;
      await backends[`tempo ${mode}`].search('team-a', {
        limit: 5,
        model: 'gpt-4o',
        startNs: NOW - 30n * DAY,
      });
      const searches = s.requests.filter((r) => r.path === '/api/search');
      expect(searches.length).toBeGreaterThan(1);
      for (const r of searches) {
        expect(r).toMatchObject({ orgId: 'team-a', status: 200 });
        expect(r.query.get('q')).toBe(
          '{ (span.gen_ai.response.model = "gpt-4o" || span.gen_ai.request.model = "gpt-4o") } with (most_recent=true)',
        );
        const [start, end] = [Number(r.query.get('start')), Number(r.query.get('end'))];
        expect(end - start).toBeGreaterThan(0);
        expect(end - start).toBeLessThanOrEqual(168 * 3600);
      }
      expect(searches[0]?.query.get('limit')).toBe('6');
      expect(Number(searches[0]?.query.get('end'))).toBeGreaterThanOrEqual(Number(NOW / SEC));
    }
  });

  it('tempo: refuses a Tempo without multitenancy, which would show every tenant all traces', async () => {
    const single = await startTempoStandin({ mode: '2.8', multitenancy: false });
    try {
      const b = tempoBackend({ url: single.url });
      await expect(b.search('team-a', { limit: 5 })).rejects.toThrow(/multitenancy_enabled/);
      await expect(b.spans('team-a', ids['support-agent'] as string)).rejects.toThrow(/multitenancy_enabled/);
      const allowed = tempoBackend({ url: single.url, requireMultitenancy: false });
      expect((await allowed.search('team-a', { limit: 5 })).rows).toEqual([]);
    } finally {
      await single.close();
    }
  });
});

// ------------------------------------------------------------------------------------------------

describe('the Tempo stand-in applies Tempo rules (so the contract above means something)', () => {
  let s28: TempoStandin;
  let s30: TempoStandin;
  const id = `${'a'.repeat(16)}${'0'.repeat(15)}1`;
  beforeAll(async () => {
    s28 = await startTempoStandin({ mode: '2.8' });
    s30 = await startTempoStandin({ mode: '3.0' });
    for (const s of [s28, s30])
      s.push(
        't',
        otlp(id, [
          {
            id: '00000000000000aa',
            name: 'root',
            start: NOW - HOUR,
            attrs: { n: 7, f: 0.5, b: true, s: 'x' },
          },
          {
            id: '00000000000000bb',
            parent: '00000000000000aa',
            name: 'err',
            start: NOW - HOUR,
            statusError: true,
          },
        ]),
        Number((NOW - HOUR) / MS),
      );
  });
  afterAll(async () => {
    await s28.close();
    await s30.close();
  });
  const get = async (s: TempoStandin, path: string, tenant: string | null = 't') => {
    const res = await fetch(`${s.url}${path}`, { headers: tenant ? { 'X-Scope-OrgID': tenant } : {} });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) as Json };
  };
  const sec = (ns: bigint) => String(ns / SEC);

  it('marshals traces as Tempo does: base64 ids, enum names, 64-bit integers as strings, zero values left out', async () => {
    const body = (await get(s28, `/api/v2/traces/${id}`)).json();
    const spans = (body.trace as { resourceSpans: { scopeSpans: { spans: Json[] }[] }[] }).resourceSpans[0]
      ?.scopeSpans[0]?.spans as Json[];
    expect(spans[0]).toMatchObject({
      traceId: Buffer.from(id, 'hex').toString('base64'),
      spanId: Buffer.from('00000000000000aa', 'hex').toString('base64'),
      kind: 'SPAN_KIND_INTERNAL',
      startTimeUnixNano: String(NOW - HOUR),
      attributes: expect.arrayContaining([{ key: 'n', value: { intValue: '7' } }]),
    });
    expect(spans[0]).not.toHaveProperty('parentSpanId');
    expect(spans[1]?.status).toEqual({ message: 'failed', code: 'STATUS_CODE_ERROR' });
    expect(body.metrics).toEqual({ inspectedBytes: expect.any(String) });
  });

  it('answers an unknown id with 200 and an empty trace on v2, 404 on v1; refuses requests without a tenant', async () => {
    expect((await get(s28, `/api/v2/traces/${'0'.repeat(31)}2`)).json()).toEqual({ trace: {}, metrics: {} });
    expect((await get(s28, `/api/traces/${'0'.repeat(31)}2`)).status).toBe(404);
    expect(await get(s28, `/api/v2/traces/${id}`, null)).toMatchObject({ status: 401, text: 'no org id\n' });
  });

  it('wants both bounds or neither: each version says so its own way', async () => {
    const start = sec(NOW - 2n * HOUR);
    expect(await get(s28, `/api/search?q={}&start=${start}`)).toMatchObject({
      status: 400,
      text: expect.stringContaining(`http parameter start must be before end. received start=${start} end=0`),
    });
    expect(await get(s30, `/api/search?q={}&start=${start}`)).toMatchObject({
      status: 400,
      text: expect.stringContaining('only one of start and end provided: must provide both or neither'),
    });
    expect((await get(s28, `/api/search?q={}&start=${NOW}&end=${NOW + SEC}`)).text).toContain(
      'invalid start',
    );
  });

  it('refuses ranges over 168 h, searches only recent data without one, and clamps the end on 3.0', async () => {
    const end = NOW / SEC;
    const tooLong = await get(s28, `/api/search?q={}&start=${end - 604_801n}&end=${end}`);
    expect(tooLong).toMatchObject({ status: 400, text: expect.stringContaining('exceeds 168h0m0s') });
    expect((await get(s28, `/api/search?q={}&start=${end - 604_800n}&end=${end}`)).status).toBe(200);
    // The trace arrived an hour ago: gone from the ingesters (2.8), outside the last 15 minutes (3.0).
    for (const s of [s28, s30]) expect((await get(s, '/api/search?q={}')).json().traces).toEqual([]);
    // 3.0 clamps the end to now − 30 s: a trace that started after that is not searchable yet.
    const fresh = 'c'.repeat(32);
    s30.push('t', otlp(fresh, [{ id: '00000000000000cc', name: 'fresh', start: BigInt(Date.now()) * MS }]));
    const r = (await get(s30, `/api/search?q={}&start=${end - 600n}&end=${end + 60n}`)).json();
    expect((r.traces as Json[]).map((t) => t.traceID)).not.toContain(fresh);
  });

  it('returns search results in Tempo shape: trimmed hex ids, root names, start as a string', async () => {
    const q = encodeURIComponent('{ status = error } with (most_recent=true)');
    const r = (await get(s28, `/api/search?q=${q}&start=${sec(NOW - 2n * HOUR)}&end=${sec(NOW)}`)).json();
    expect(r.traces).toEqual([
      {
        traceID: id.replace(/^0+/, ''),
        rootServiceName: 'svc',
        rootTraceName: 'root',
        startTimeUnixNano: String(NOW - HOUR),
        durationMs: 10,
        spanSet: expect.objectContaining({ matched: 1 }),
        spanSets: [
          {
            spans: [
              {
                spanID: '00000000000000bb',
                name: 'err',
                startTimeUnixNano: String(NOW - HOUR),
                durationNanos: '10000000',
              },
            ],
            matched: 1,
          },
        ],
      },
    ]);
  });

  it('parses TraceQL strictly: what Tempo refuses is a 400', async () => {
    const range = `&start=${sec(NOW - 2n * HOUR)}&end=${sec(NOW)}`;
    for (const bad of [
      '{ name = "a\nb" }', // raw newline in a string
      '{ .n = 99999999999999999999 }', // beyond strconv.Atoi
      '{ name = "unterminated }',
      '{ name = 3 }', // an intrinsic string against an integer
      '{ "just a string" }',
      '{ .x = "a" ',
    ]) {
      const res = await get(s28, `/api/search?q=${encodeURIComponent(bad)}${range}`);
      expect(res.status, bad).toBe(400);
      expect(res.text, bad).toContain('invalid TraceQL query');
    }
    for (const [q, n] of [
      ['{ .n = 7 && .f = 0.5 && .b = true && .s = "x" }', 1],
      ['{ .n = "7" }', 0], // typed: a string never equals an integer
      ['{ span.n > 6 && resource.service.name = "svc" }', 1],
      ['{ rootServiceName = "svc" } && { status = error }', 1],
      ['{ name = "root" && status = error }', 0],
      ['{ traceDuration >= 10ms && duration < 1s }', 1],
      ['{ span.missing != nil }', 0],
    ] as const) {
      const res = await get(s28, `/api/search?q=${encodeURIComponent(q)}${range}`);
      expect(res.status, q).toBe(200);
      expect((res.json().traces as Json[]).length, q).toBe(n);
    }
  });

  it('reads every TraceQL the query service writes', () => {
    const filters: TraceFilter[] = [
      { limit: 1, service: 'a"b\\c\nd', name: '\u0000\u007f ✓ 😀', model: 'm', provider: 'p', error: true },
      {
        limit: 1,
        promptId: 'x',
        promptVersion: 'y',
        conversationId: 'c',
        requestId: 'r',
        minDurationMs: 1.5,
        text: 'Refund "kettle order" kett* ünï (a+b)',
      },
      {
        limit: 1,
        attributes: [
          ['a b', '-12'],
          ['x"y', '1.25'],
          ['k', 'false'],
          ['big', '123456789012345678901'],
        ],
      },
    ];
    for (const f of filters)
      expect(() => parse(`${traceql(f)} with (most_recent=true)`), JSON.stringify(f)).not.toThrow();
  });
});
