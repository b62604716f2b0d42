// Tempo behind our API contract. Tempo is queried over its HTTP API with the tenant in X-Scope-OrgID:
// /api/search with TraceQL (hex trace ids, root names, start, duration) and /api/v2/traces/<id>
// (protobuf-JSON with base64 ids), which our OTLP/JSON decoder reads. Totals Tempo's search does not
// return (tokens, errors, models) come from the traces themselves, fetched for the page only.
import { decodeTraceRequestJson } from '../../../ingester/src/otlp/decode-json.ts';
import { BadRequest } from '../api/search-params.ts';
import { batchRows, type SpanRow } from '../store/span-row.ts';
import type { ModelUsage, TraceSummaryRow } from '../store/sqlite-store.ts';
import type { TraceBackend } from './backend.ts';
import { traceql } from './traceql.ts';

interface TempoSearch {
  traces?: {
    traceID: string;
    rootServiceName?: string;
    rootTraceName?: string;
    startTimeUnixNano?: string;
    durationMs?: number;
  }[];
}

export interface TempoOptions {
  /** Tempo's HTTP API, e.g. http://koder-trace-tempo:3200 */
  url: string;
  fetch?: typeof fetch;
  /** Traces fetched at once when completing a search page. */
  concurrency?: number;
}

function cursorEnd(cursor: string): bigint {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!/^\d+$/.test(text))
    throw new BadRequest('cursor: not a cursor from this search (use the "next" value of the previous page)');
  return BigInt(text);
}

export function tempoBackend(opts: TempoOptions): TraceBackend {
  const get = opts.fetch ?? fetch;
  const cache = new Map<string, { at: number; rows: SpanRow[] }>();

  async function tempo(tenant: string, path: string): Promise<Response> {
    const res = await get(`${opts.url}${path}`, {
      headers: { 'X-Scope-OrgID': tenant, accept: 'application/json' },
    });
    if (!res.ok && res.status !== 404)
      throw new Error(
        `Tempo answered ${res.status} for ${path.split('?')[0]}: ${(await res.text()).slice(0, 300)}`,
      );
    return res;
  }

  async function spans(tenant: string, traceId: string): Promise<SpanRow[]> {
    const key = `${tenant}/${traceId}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < 30_000) return hit.rows;
    const res = await tempo(tenant, `/api/v2/traces/${traceId}`);
    if (res.status === 404) return [];
    const body = (await res.json()) as { trace?: unknown };
    const batch = decodeTraceRequestJson(JSON.stringify(body.trace ?? {}), { ids: 'base64' });
    const rows = [...batchRows(tenant, batch)];
    rows.sort((a, b) => (a.start_ns < b.start_ns ? -1 : a.start_ns > b.start_ns ? 1 : 0));
    cache.set(key, { at: Date.now(), rows });
    if (cache.size > 500) cache.delete(cache.keys().next().value as string);
    return rows;
  }

  async function many(tenant: string, ids: string[]): Promise<Map<string, SpanRow[]>> {
    const out = new Map<string, SpanRow[]>();
    const queue = [...ids];
    const workers = Array.from({ length: Math.min(opts.concurrency ?? 8, queue.length) }, async () => {
      for (let id = queue.shift(); id; id = queue.shift()) out.set(id, await spans(tenant, id));
    });
    await Promise.all(workers);
    return out;
  }

  function summary(
    traceId: string,
    rows: SpanRow[],
    hint: NonNullable<TempoSearch['traces']>[number],
  ): TraceSummaryRow {
    const real = rows.filter((r) => r.rating === null);
    const ratings = rows.filter((r) => r.rating !== null);
    const sum = (f: (r: SpanRow) => number) => real.reduce((n, r) => n + f(r), 0);
    const start = hint.startTimeUnixNano ? BigInt(hint.startTimeUnixNano) : (real[0]?.start_ns ?? 0n);
    return {
      trace_id: traceId,
      start_ns: start,
      end_ns: start + BigInt(Math.round((hint.durationMs ?? 0) * 1e6)),
      root_service: hint.rootServiceName ?? null,
      root_name: hint.rootTraceName ?? null,
      span_count: real.length,
      error_count: sum((r) => r.is_error),
      input_tokens: sum((r) => r.input_tokens),
      output_tokens: sum((r) => r.output_tokens),
      cache_read_tokens: sum((r) => r.cache_read_tokens),
      cache_creation_tokens: sum((r) => r.cache_creation_tokens),
      reasoning_tokens: sum((r) => r.reasoning_tokens),
      rating_sum: ratings.reduce((n, r) => n + (r.rating as number), 0),
      rating_count: ratings.length,
    };
  }

  async function searchIds(
    tenant: string,
    q: string,
    startNs: bigint | undefined,
    endNs: bigint | undefined,
    limit: number,
  ) {
    const params = new URLSearchParams({ q, limit: String(limit) });
    if (startNs !== undefined) params.set('start', String(startNs / 1_000_000_000n));
    if (endNs !== undefined) params.set('end', String((endNs + 999_999_999n) / 1_000_000_000n));
    const res = await tempo(tenant, `/api/search?${params}`);
    return ((await res.json()) as TempoSearch).traces ?? [];
  }

  return {
    async search(tenant, f) {
      // Tempo has no cursor: a page ends at the start of the last trace seen.
      const endNs = f.cursor ? cursorEnd(f.cursor) : f.endNs;
      const hits = (await searchIds(tenant, traceql(f), f.startNs, endNs, f.limit + 1))
        .map((t) => ({ ...t, traceID: t.traceID.padStart(32, '0') }))
        .sort((a, b) => (BigInt(b.startTimeUnixNano ?? 0) > BigInt(a.startTimeUnixNano ?? 0) ? 1 : -1));
      const page = hits.slice(0, f.limit);
      const fetched = await many(
        tenant,
        page.map((h) => h.traceID),
      );
      const rows = page.map((h) => summary(h.traceID, fetched.get(h.traceID) ?? [], h));
      const last = rows.at(-1);
      const next =
        hits.length > f.limit && last
          ? Buffer.from(String(last.start_ns - 1n)).toString('base64url')
          : undefined;
      return next ? { rows, next } : { rows };
    },
    spans,
    async traceFacets(tenant, ids) {
      const fetched = await many(tenant, ids);
      const out = new Map<string, { models: string[]; promptVersions: string[] }>();
      for (const [id, rows] of fetched) {
        const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))];
        out.set(id, {
          models: uniq(rows.map((r) => r.response_model ?? r.request_model)),
          promptVersions: uniq(rows.map((r) => r.prompt_version)),
        });
      }
      return out;
    },
    async modelUsage(tenant, ids) {
      const fetched = await many(tenant, ids);
      const out: ModelUsage[] = [];
      for (const [id, rows] of fetched) {
        for (const r of rows) {
          const model = r.response_model ?? r.request_model;
          if (!model) continue;
          out.push({
            trace_id: id,
            provider: r.provider,
            model,
            input_tokens: r.input_tokens,
            output_tokens: r.output_tokens,
            cache_read_tokens: r.cache_read_tokens,
            cache_creation_tokens: r.cache_creation_tokens,
          });
        }
      }
      return out;
    },
    async promptSpans(tenant, promptId, startNs, endNs) {
      const hits = await searchIds(tenant, traceql({ promptId, limit: 1000 }), startNs, endNs, 1000);
      const fetched = await many(
        tenant,
        hits.map((h) => h.traceID.padStart(32, '0')),
      );
      return [...fetched.values()]
        .flat()
        .filter((r) => r.prompt_id === promptId && r.start_ns >= startNs && r.start_ns <= endNs);
    },
    async span(tenant, traceId, spanId) {
      return (await spans(tenant, traceId)).find((r) => r.span_id === spanId);
    },
    async prompts(tenant, startNs, endNs) {
      // Tempo's tag-values API lists the ids; versions and counts would need every trace fetched.
      const params = new URLSearchParams({
        start: String(startNs / 1_000_000_000n),
        end: String((endNs + 999_999_999n) / 1_000_000_000n),
      });
      const res = await tempo(tenant, `/api/v2/search/tag/span.koder.prompt.id/values?${params}`);
      const body = (await res.json()) as { tagValues?: { value: string }[] };
      return (body.tagValues ?? []).map((t) => ({
        prompt_id: t.value,
        prompt_version: null,
        calls: 0,
        last_ns: 0n,
      }));
    },
  };
}
