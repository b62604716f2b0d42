// The embedded store: SQLite through node:sqlite, one file on disk. It is a SpanSink (the ingester
// exports into it) and answers the query API's searches. Writes of one batch are one transaction;
// a per-trace summary row is kept up to date on insert so searches do not scan spans.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { TraceBatch } from '@koder-trace/ingester/otlp';
import type { ExportResult, SpanSink } from '@koder-trace/ingester/sink';
import {
  isCarrier,
  markRollups,
  USAGE_FIELDS,
  type UsageField,
  type UsageNode,
  usageTotals,
} from '@koder-trace/ingester/usage-rollup';
import type { DashboardPoint, PointOptions } from '../model/dashboard-point.ts';
import { BadRequest, type SortKey, type TraceFilter } from '../model/filter.ts';
import { genAiOf, spanPreview } from '../model/preview.ts';
import type { ModelUsage, PromptUse, TraceSummaryRow } from '../model/rows.ts';
import type { SpanRow } from '../model/span.ts';
import { DEFAULT_USER_ATTRIBUTES } from '../model/user-id.ts';
import { DASHBOARD_CALLS_SQL, DASHBOARD_RATINGS_SQL, TRACE_USER_SQL } from './dashboard-points.ts';
import { ftsQuery, fullText, type TextMatch } from './full-text.ts';
import { type GroupQuery, type GroupRow, groupQueries } from './groups.ts';
import { EXCESS_VERSION, FULL_TEXT_VERSION, MIGRATIONS, ROLLUP_VERSION } from './migrations.ts';
import { batchRows } from './span-row.ts';

/** Each sort key as a column (or expression) of the trace summary. */
const SORT_SQL: Record<SortKey, string> = {
  start: 't.start_ns',
  duration: '(t.end_ns - t.start_ns)',
  spans: 't.span_count',
  tokens: '(t.input_tokens + t.output_tokens)',
  errors: 't.error_count',
  rating: 'CASE WHEN t.rating_count > 0 THEN t.rating_sum / t.rating_count ELSE -1 END',
  rootName: "coalesce(t.root_name, '')",
  service: "coalesce(t.root_service, '')",
};
const TEXT_SORTS = new Set<SortKey>(['rootName', 'service']);

/** An attribute of a JSON column as text (SQLite reads JSON booleans as 0/1; here they read true/false). */
const textAt = (column: string, path: string) =>
  `(CASE json_type(${column}, ${path}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(json_extract(${column}, ${path}) AS TEXT) END)`;

/** The cursor is [sort value, trace id] as base64url JSON; integers travel as text (they are 64-bit). */
function decodeCursor(cursor: string, sort: SortKey): [string | number | bigint, string] {
  try {
    const [value, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (typeof id === 'string' && typeof value === 'number' && Number.isFinite(value)) return [value, id];
    if (typeof id === 'string' && typeof value === 'string') {
      if (TEXT_SORTS.has(sort)) return [value, id];
      // Integer sort values are 64-bit: anything else was not made by this search.
      if (/^-?\d{1,19}$/.test(value) && BigInt.asIntN(64, BigInt(value)) === BigInt(value))
        return [BigInt(value), id];
    }
  } catch {
    // answered below
  }
  throw new BadRequest('cursor: not a cursor from this search (use the "next" value of the previous page)');
}

/** Which ledger spans: one request's (by koder.request_id), else those starting in a range. */
export interface LedgerFilter {
  requestId?: string;
  startNs?: bigint;
  endNs?: bigint;
}

export interface EmbeddedStore extends SpanSink {
  insert(tenant: string, batch: TraceBatch): number;
  search(tenant: string, f: TraceFilter): { rows: TraceSummaryRow[]; next?: string };
  spans(tenant: string, traceId: string): SpanRow[];
  /** Models and prompt versions per trace, for the search rows. */
  traceFacets(
    tenant: string,
    traceIds: string[],
  ): Map<string, { models: string[]; promptVersions: string[] }>;
  /** Token use per model per trace, for the cost of the search rows. */
  modelUsage(tenant: string, traceIds: string[]): ModelUsage[];
  /** Spans of one prompt id in a time range (the prompt overlay's input). */
  promptSpans(tenant: string, promptId: string, startNs: bigint, endNs: bigint): SpanRow[];
  /** Prompt ids and versions used in a time range, with their (reweighted) call counts. */
  prompts(tenant: string, startNs: bigint, endNs: bigint): PromptUse[];
  /** The dashboard's points starting in a range (lazily read). */
  dashboardPoints(
    tenant: string,
    startNs: bigint,
    endNs: bigint,
    opts?: PointOptions,
  ): Iterable<DashboardPoint>;
  /** The ingester's `koder.usage` ledger spans of one request, or starting in a range (lazily read). */
  ledgerSpans(tenant: string, f: LedgerFilter): Iterable<SpanRow>;
  /** One span, for ratings. */
  span(tenant: string, traceId: string, spanId: string): SpanRow | undefined;
  /** Sessions (gen_ai.conversation.id) active in a range, latest activity first. */
  sessions(tenant: string, q: GroupQuery): GroupRow[];
  /** End users (user.id / enduser.id) with traces in a range, latest activity first. */
  users(tenant: string, q: GroupQuery): GroupRow[];
  /** Where each trace matches a full-text search (filter.text), for the search rows. */
  textMatches(tenant: string, traceIds: string[], text: string): Map<string, TextMatch>;
  deleteOlderThan(ns: bigint): number;
  close(): Promise<void>;
}

const SPAN_COLUMNS = [
  'tenant',
  'trace_id',
  'span_id',
  'parent_span_id',
  'name',
  'kind',
  'service',
  'start_ns',
  'end_ns',
  'duration_ns',
  'status_code',
  'status_message',
  'trace_state',
  'attributes',
  'resource',
  'events',
  'links',
  'view',
  'operation',
  'provider',
  'request_model',
  'response_model',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'reasoning_tokens',
  'prompt_id',
  'prompt_version',
  'conversation_id',
  'user_id',
  'request_id',
  'adjusted_count',
  'is_error',
  'rating',
  'rollup',
] as const;

const MAX_NS = 2n ** 63n - 1n;

// SQLite result codes that can pass (busy, locked, out of memory, I/O, disk full, cannot open, lock
// protocol): the batch is kept and retried. Anything else says the data itself cannot be stored.
const TRANSIENT = new Set([5, 6, 7, 10, 13, 14, 15]);
const isTransient = (err: unknown) => {
  const code = (err as { errcode?: unknown }).errcode;
  return typeof code === 'number' && TRANSIENT.has(code & 0xff);
};

// Rows are read with 64-bit integers as bigints (nanosecond times need them); counts become numbers.
const NS_COLUMNS = new Set(['start_ns', 'end_ns', 'duration_ns', 'last_ns']);
function fromDb<T = SpanRow>(row: Record<string, unknown>): T {
  for (const [k, v] of Object.entries(row))
    if (typeof v === 'bigint' && !NS_COLUMNS.has(k)) row[k] = Number(v);
  return row as unknown as T;
}

export interface EmbeddedStoreOptions {
  /** The attributes read as the user id, in order (model/user-id.ts; default user.id, enduser.id). */
  userAttributes?: readonly string[];
}

export function openEmbeddedStore(path: string, opts: EmbeddedStoreOptions = {}): EmbeddedStore {
  const userKeys = opts.userAttributes ?? DEFAULT_USER_ATTRIBUTES;
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
  /** Runs fn in one transaction: all of its writes, or none. */
  const transaction = (fn: () => void) => {
    db.exec('BEGIN');
    try {
      fn();
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  };
  const version = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  for (let v = version; v < MIGRATIONS.length; v++) {
    transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    });
  }

  const text = fullText(db);
  const insertSpan = db.prepare(
    `INSERT OR IGNORE INTO spans (${SPAN_COLUMNS.join(', ')}) VALUES (${SPAN_COLUMNS.map((c) => `:${c}`).join(', ')})`,
  );
  const upsertTrace = db.prepare(`
    INSERT INTO traces (tenant, trace_id, start_ns, end_ns, root_service, root_name, span_count, error_count,
      input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, reasoning_tokens, rating_sum, rating_count,
      carriers, input_preview, input_at, output_preview, output_at)
    VALUES (:tenant, :trace_id, :start_ns, :end_ns, :root_service, :root_name, :span_count, :is_error,
      :input_tokens, :output_tokens, :cache_read_tokens, :cache_creation_tokens, :reasoning_tokens,
      :rating_sum, :rating_count, :carriers, :input_preview, :input_at, :output_preview, :output_at)
    ON CONFLICT (tenant, trace_id) DO UPDATE SET
      start_ns = min(start_ns, excluded.start_ns), end_ns = max(end_ns, excluded.end_ns),
      root_service = coalesce(excluded.root_service, root_service), root_name = coalesce(excluded.root_name, root_name),
      span_count = span_count + excluded.span_count, error_count = error_count + excluded.error_count,
      input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
      cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
      cache_creation_tokens = cache_creation_tokens + excluded.cache_creation_tokens,
      reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
      rating_sum = rating_sum + excluded.rating_sum, rating_count = rating_count + excluded.rating_count,
      carriers = carriers + excluded.carriers,
      input_preview = CASE WHEN excluded.input_at < coalesce(input_at, excluded.input_at + 1)
        THEN excluded.input_preview ELSE input_preview END,
      input_at = CASE WHEN excluded.input_at < coalesce(input_at, excluded.input_at + 1)
        THEN excluded.input_at ELSE input_at END,
      output_preview = CASE WHEN excluded.output_at > coalesce(output_at, excluded.output_at - 1)
        THEN excluded.output_preview ELSE output_preview END,
      output_at = CASE WHEN excluded.output_at > coalesce(output_at, excluded.output_at - 1)
        THEN excluded.output_at ELSE output_at END`);
  // Ordered in JS: an ORDER BY start_ns here lets the planner pick the (tenant, start_ns) index and
  // scan the whole tenant instead of the trace's primary-key range.
  const spansOf = db.prepare('SELECT * FROM spans WHERE tenant = ? AND trace_id = ?');
  spansOf.setReadBigInts(true);

  // Settling a trace: its usage is summed over the spans the rollup rule counts (the usage rollup rule).
  // Which spans those are can change with every span that arrives (a parent, or a missing link
  // between two), so a trace with two or more carriers is settled again after each batch touching it.
  const carriersOf = db.prepare('SELECT carriers FROM traces WHERE tenant = ? AND trace_id = ?');
  const skeletonOf = db.prepare(
    `SELECT span_id, parent_span_id, operation, input_tokens, output_tokens, cache_read_tokens,
            cache_creation_tokens, reasoning_tokens, rating, rollup, excess_input_tokens,
            excess_output_tokens, excess_cache_read_tokens, excess_cache_creation_tokens,
            excess_reasoning_tokens
     FROM spans WHERE tenant = ? AND trace_id = ?`,
  );
  const setRollup = db.prepare(
    `UPDATE spans SET rollup = ?, excess_input_tokens = ?, excess_output_tokens = ?,
       excess_cache_read_tokens = ?, excess_cache_creation_tokens = ?, excess_reasoning_tokens = ?
     WHERE tenant = ? AND trace_id = ? AND span_id = ?`,
  );
  type Skeleton = UsageNode & { rollup: number } & Record<`excess_${UsageField}`, number>;
  const setTraceUsage = db.prepare(
    `UPDATE traces SET input_tokens = ?, output_tokens = ?, cache_read_tokens = ?, cache_creation_tokens = ?,
       reasoning_tokens = ? WHERE tenant = ? AND trace_id = ?`,
  );
  function settle(tenant: string, traceId: string): void {
    const nodes = (skeletonOf.all(tenant, traceId) as Record<string, unknown>[]).map((r) =>
      fromDb<Skeleton>(r),
    );
    const before = nodes.map((n) => n.rollup);
    const rolled = markRollups(nodes);
    nodes.forEach((n, i) => {
      const excess = USAGE_FIELDS.map((f) => rolled.excess.get(n.span_id)?.[f] ?? 0);
      if (n.rollup !== before[i] || USAGE_FIELDS.some((f, j) => n[`excess_${f}`] !== excess[j]))
        setRollup.run(n.rollup, ...excess, tenant, traceId, n.span_id);
    });
    const t = usageTotals(nodes, rolled);
    setTraceUsage.run(
      t.inputTokens,
      t.outputTokens,
      t.cacheReadTokens,
      t.cacheCreationTokens,
      t.reasoningTokens,
      tenant,
      traceId,
    );
  }
  // A store written before the full-text index: index what it holds, once.
  if (version > 0 && version < FULL_TEXT_VERSION) transaction(() => text.backfill());
  // A store written before rollups' excess was kept: settle again the traces that have rollups.
  if (version >= ROLLUP_VERSION && version < EXCESS_VERSION) {
    const withCarriers = db.prepare('SELECT tenant, trace_id FROM traces WHERE carriers >= 2').all() as {
      tenant: string;
      trace_id: string;
    }[];
    transaction(() => {
      for (const { tenant, trace_id } of withCarriers) settle(tenant, trace_id);
    });
  }
  // A store written before rollups were kept: count each trace's carriers and settle those with two.
  if (version > 0 && version < ROLLUP_VERSION) {
    const setCarriers = db.prepare('UPDATE traces SET carriers = ? WHERE tenant = ? AND trace_id = ?');
    const traces = db.prepare('SELECT tenant, trace_id FROM traces').all() as {
      tenant: string;
      trace_id: string;
    }[];
    transaction(() => {
      for (const { tenant, trace_id } of traces) {
        const nodes = (skeletonOf.all(tenant, trace_id) as Record<string, unknown>[]).map((r) =>
          fromDb<UsageNode>(r),
        );
        const carriers = nodes.filter(isCarrier).length;
        setCarriers.run(carriers, tenant, trace_id);
        if (carriers >= 2) settle(tenant, trace_id);
      }
    });
  }

  function insert(tenant: string, batch: TraceBatch): number {
    let n = 0;
    transaction(() => {
      const touched = new Set<string>();
      for (const row of batchRows(tenant, batch, userKeys)) {
        // A span sent twice (client retries) is stored once and counted once.
        if (insertSpan.run(row as unknown as Record<string, never>).changes === 0) continue;
        const genAi = genAiOf(row.view);
        text.index(row, genAi);
        const preview = spanPreview(genAi);
        const root = row.parent_span_id === '';
        // A rating is feedback given later: it neither stretches the trace's time nor counts as a span.
        const isRating = row.rating !== null;
        upsertTrace.run({
          tenant,
          trace_id: row.trace_id,
          start_ns: isRating ? MAX_NS : row.start_ns,
          end_ns: isRating ? 0n : row.end_ns,
          span_count: isRating ? 0 : 1,
          root_service: root ? row.service : null,
          root_name: root ? row.name : null,
          is_error: row.is_error,
          input_tokens: row.input_tokens,
          output_tokens: row.output_tokens,
          cache_read_tokens: row.cache_read_tokens,
          cache_creation_tokens: row.cache_creation_tokens,
          reasoning_tokens: row.reasoning_tokens,
          rating_sum: row.rating ?? 0,
          rating_count: row.rating === null ? 0 : 1,
          carriers: isCarrier(row) ? 1 : 0,
          // A null *_at never wins (comparisons with NULL are not true): spans without text keep none.
          input_preview: preview.input,
          input_at: preview.input ? row.start_ns : null,
          output_preview: preview.output,
          output_at: preview.output ? row.end_ns : null,
        });
        touched.add(row.trace_id);
        n++;
      }
      for (const id of touched) {
        const c = carriersOf.get(tenant, id) as { carriers: number | bigint } | undefined;
        if (c && Number(c.carriers) >= 2) settle(tenant, id);
      }
    });
    return n;
  }

  function search(tenant: string, f: TraceFilter): { rows: TraceSummaryRow[]; next?: string } {
    const where = ['t.tenant = :tenant'];
    const params: Record<string, string | number | bigint> = { tenant, limit: f.limit + 1 };
    const spanCond: string[] = [];
    // Adds a condition on the trace summary (or on one of its spans) with its named parameter.
    const on = (list: string[], sql: string, name?: string, value?: string | number | bigint) => {
      list.push(sql);
      if (name !== undefined && value !== undefined) params[name] = value;
    };
    if (f.startNs !== undefined) on(where, 't.end_ns >= :start', 'start', f.startNs);
    if (f.endNs !== undefined) on(where, 't.start_ns <= :end', 'end', f.endNs);
    if (f.service) on(where, 't.root_service = :service', 'service', f.service);
    if (f.error !== undefined) on(where, f.error ? 't.error_count > 0' : 't.error_count = 0');
    if (f.minDurationMs !== undefined) {
      on(where, '(t.end_ns - t.start_ns) >= :mindur', 'mindur', BigInt(Math.round(f.minDurationMs * 1e6)));
    }
    if (f.minRating !== undefined) {
      on(where, 't.rating_count > 0 AND t.rating_sum / t.rating_count >= :minr', 'minr', f.minRating);
    }
    if (f.maxRating !== undefined) {
      on(where, 't.rating_count > 0 AND t.rating_sum / t.rating_count <= :maxr', 'maxr', f.maxRating);
    }
    if (f.name) on(spanCond, 's.name = :name', 'name', f.name);
    if (f.model) on(spanCond, '(s.response_model = :model OR s.request_model = :model)', 'model', f.model);
    if (f.provider) on(spanCond, 's.provider = :provider', 'provider', f.provider);
    if (f.promptId) on(spanCond, 's.prompt_id = :pid', 'pid', f.promptId);
    if (f.promptVersion) on(spanCond, 's.prompt_version = :pver', 'pver', f.promptVersion);
    if (f.conversationId) on(spanCond, 's.conversation_id = :conv', 'conv', f.conversationId);
    if (f.requestId) on(spanCond, 's.request_id = :req', 'req', f.requestId);
    if (f.userId) on(spanCond, 's.user_id = :user', 'user', f.userId);
    for (const [i, [key, value]] of (f.attributes ?? []).entries()) {
      // A JSON path with the key quoted: attribute names contain dots.
      params[`ak${i}`] = `$."${key.replace(/"/g, '""')}"`;
      on(
        spanCond,
        `(${textAt('s.attributes', `:ak${i}`)} = :av${i} OR ${textAt('s.resource', `:ak${i}`)} = :av${i})`,
        `av${i}`,
        value,
      );
    }
    if (f.text !== undefined) {
      const q = ftsQuery(f.text);
      if (q === undefined)
        throw new BadRequest('q: nothing to search for (words or "phrases" with letters or digits)');
      where.push(text.condition);
      params.text = q;
    }
    if (spanCond.length) {
      where.push(
        `EXISTS (SELECT 1 FROM spans s WHERE s.tenant = t.tenant AND s.trace_id = t.trace_id AND ${spanCond.join(' AND ')})`,
      );
    }
    // Keyset paging on (sort value, trace id): stable while new traces arrive.
    const order = SORT_SQL[f.sort ?? 'start'];
    const dir = f.ascending ? 'ASC' : 'DESC';
    if (f.cursor) {
      const [value, id] = decodeCursor(f.cursor, f.sort ?? 'start');
      const cmp = f.ascending ? '>' : '<';
      where.push(`(${order} ${cmp} :cv OR (${order} = :cv AND t.trace_id ${cmp} :cid))`);
      params.cv = value;
      params.cid = id;
    }
    const stmt: StatementSync = db.prepare(
      `SELECT t.*, ${order} AS sort_value FROM traces t WHERE ${where.join(' AND ')}
       ORDER BY sort_value ${dir}, t.trace_id ${dir} LIMIT :limit`,
    );
    stmt.setReadBigInts(true);
    const found = stmt.all(params) as (Record<string, unknown> & { sort_value: unknown; trace_id: string })[];
    let next: string | undefined;
    if (found.length > f.limit) {
      found.length = f.limit;
      const last = found[found.length - 1] as (typeof found)[number];
      const v = typeof last.sort_value === 'bigint' ? String(last.sort_value) : last.sort_value;
      next = Buffer.from(JSON.stringify([v, last.trace_id])).toString('base64url');
    }
    const rows = found.map(({ sort_value: _, ...r }) => fromDb<TraceSummaryRow>(r));
    return next ? { rows, next } : { rows };
  }

  const facets = db.prepare(
    `SELECT trace_id, group_concat(DISTINCT coalesce(response_model, request_model)) AS models,
            group_concat(DISTINCT prompt_version) AS versions
     FROM spans WHERE tenant = ? AND trace_id = ? GROUP BY trace_id`,
  );

  // Per model, the usage counted: a span's own, or a rollup's excess alone (the usage rollup rule).
  const counted = (f: UsageField) => `sum(CASE WHEN rollup & 1 = 0 THEN ${f} ELSE excess_${f} END) AS ${f}`;
  const usageOf = db.prepare(
    `SELECT trace_id, provider, coalesce(response_model, request_model) AS model,
            ${USAGE_FIELDS.map(counted).join(', ')}
     FROM spans WHERE tenant = ? AND trace_id = ? AND coalesce(response_model, request_model) IS NOT NULL
       AND (rollup & 1 = 0 OR ${USAGE_FIELDS.map((f) => `excess_${f}`).join(' + ')} > 0)
     GROUP BY trace_id, provider, model`,
  );
  const promptSpansOf = db.prepare(
    'SELECT * FROM spans WHERE tenant = ? AND prompt_id = ? AND start_ns >= ? AND start_ns <= ? ORDER BY start_ns',
  );
  promptSpansOf.setReadBigInts(true);
  const promptUse = db.prepare(
    `SELECT prompt_id, prompt_version, sum(adjusted_count) AS calls, max(start_ns) AS last_ns FROM spans
     WHERE tenant = ? AND prompt_id IS NOT NULL AND rating IS NULL AND rollup & 3 = 0 AND start_ns >= ? AND start_ns <= ?
     GROUP BY prompt_id, prompt_version ORDER BY prompt_id, prompt_version`,
  );
  promptUse.setReadBigInts(true);
  const oldTraces = db.prepare('SELECT tenant, trace_id FROM traces WHERE end_ns < ?');
  const deleteSpans = db.prepare('DELETE FROM spans WHERE tenant = ? AND trace_id = ?');
  const deleteTrace = db.prepare('DELETE FROM traces WHERE tenant = ? AND trace_id = ?');
  // name = 'koder.usage' spelled out: the partial index spans_ledgers serves only queries that say it.
  const ledgersOfRequest = db.prepare(
    "SELECT * FROM spans WHERE tenant = ? AND request_id = ? AND name = 'koder.usage' ORDER BY start_ns",
  );
  ledgersOfRequest.setReadBigInts(true);
  const ledgersInRange = db.prepare(
    "SELECT * FROM spans WHERE tenant = ? AND name = 'koder.usage' AND start_ns >= ? AND start_ns <= ? ORDER BY start_ns",
  );
  ledgersInRange.setReadBigInts(true);
  const traceUser = db.prepare(TRACE_USER_SQL);
  const oneSpan = db.prepare('SELECT * FROM spans WHERE tenant = ? AND trace_id = ? AND span_id = ?');
  oneSpan.setReadBigInts(true);

  return {
    insert,
    search,
    ...groupQueries(db),
    textMatches(tenant, ids, words) {
      const q = ftsQuery(words);
      return q === undefined ? new Map() : text.matches(tenant, ids, q);
    },
    modelUsage: (tenant, ids) =>
      ids.flatMap((id) =>
        (usageOf.all(tenant, id) as Record<string, unknown>[]).map((u) => fromDb<ModelUsage>(u)),
      ),
    promptSpans: (tenant, promptId, startNs, endNs) =>
      (promptSpansOf.all(tenant, promptId, startNs, endNs) as Record<string, unknown>[]).map((r) =>
        fromDb(r),
      ),
    prompts: (tenant, startNs, endNs) =>
      (promptUse.all(tenant, startNs, endNs) as Record<string, unknown>[]).map((p) => fromDb<PromptUse>(p)),
    *dashboardPoints(tenant, startNs, endNs, opts = {}) {
      // Statements of their own: the caller yields between rows, and another request may read meanwhile.
      const calls = db.prepare(DASHBOARD_CALLS_SQL);
      const ratings = db.prepare(DASHBOARD_RATINGS_SQL);
      calls.setReadBigInts(true);
      ratings.setReadBigInts(true);
      // By user, a span that names none counts as its trace's user: looked up once per trace.
      const users = new Map<string, string | null>();
      const rows = function* () {
        yield* calls.iterate(tenant, startNs, endNs);
        yield* ratings.iterate(tenant, startNs, endNs);
      };
      for (const r of rows()) {
        const { trace_id, ...p } = fromDb<DashboardPoint & { trace_id: string }>(
          r as Record<string, unknown>,
        );
        if (opts.traceUsers && p.user_id === null) {
          if (!users.has(trace_id)) {
            if (users.size >= 10_000) users.clear();
            const u = traceUser.get(tenant, trace_id) as { user_id: string } | undefined;
            users.set(trace_id, u?.user_id ?? null);
          }
          p.user_id = users.get(trace_id) ?? null;
        }
        yield p;
      }
    },
    *ledgerSpans(tenant, f) {
      const rows =
        f.requestId !== undefined
          ? ledgersOfRequest.iterate(tenant, f.requestId)
          : ledgersInRange.iterate(
              tenant,
              f.startNs ?? 0n,
              f.endNs ?? BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n,
            );
      for (const r of rows) yield fromDb<SpanRow>(r as Record<string, unknown>);
    },
    span: (tenant, traceId, spanId) => {
      const row = oneSpan.get(tenant, traceId, spanId) as Record<string, unknown> | undefined;
      return row ? fromDb(row) : undefined;
    },
    spans: (tenant, traceId) =>
      (spansOf.all(tenant, traceId) as Record<string, unknown>[])
        .map((r) => fromDb(r))
        .sort((a, b) =>
          a.start_ns < b.start_ns ? -1 : a.start_ns > b.start_ns ? 1 : a.span_id.localeCompare(b.span_id),
        ),
    traceFacets(tenant, ids) {
      const out = new Map<string, { models: string[]; promptVersions: string[] }>();
      for (const id of ids) {
        const r = facets.get(tenant, id) as { models: string | null; versions: string | null } | undefined;
        out.set(id, {
          models: r?.models ? r.models.split(',') : [],
          promptVersions: r?.versions ? r.versions.split(',') : [],
        });
      }
      return out;
    },
    deleteOlderThan(ns) {
      const old = oldTraces.all(ns) as { tenant: string; trace_id: string }[];
      transaction(() => {
        for (const t of old) {
          deleteSpans.run(t.tenant, t.trace_id);
          text.forget(t.tenant, t.trace_id);
          deleteTrace.run(t.tenant, t.trace_id);
        }
      });
      return old.length;
    },
    async export(tenant: string, batch: TraceBatch): Promise<ExportResult> {
      try {
        insert(tenant, batch);
        return { kind: 'success' };
      } catch (err) {
        if (isTransient(err))
          return { kind: 'retryable', reason: `embedded store: ${(err as Error).message}` };
      }
      // Something in the batch cannot be stored: store span by span, so one bad span keeps no other
      // out, and hand back the ones refused (spans stored before are not stored twice).
      const refused: TraceBatch = { resourceSpans: [] };
      let reason = '';
      for (const rs of batch.resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const span of ss.spans) {
            const one = { ...rs, scopeSpans: [{ ...ss, spans: [span] }] };
            try {
              insert(tenant, { resourceSpans: [one] });
            } catch (err) {
              if (isTransient(err))
                return { kind: 'retryable', reason: `embedded store: ${(err as Error).message}` };
              reason ||= `embedded store: ${(err as Error).message}`;
              refused.resourceSpans.push(one);
            }
          }
      return refused.resourceSpans.length
        ? { kind: 'success', refused: { batch: refused, reason } }
        : { kind: 'success' };
    },
    async close() {
      db.close();
    },
  };
}
