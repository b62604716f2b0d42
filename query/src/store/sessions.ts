// Sessions in the embedded store: the traces that carry one gen_ai.conversation.id, summed per session
// from the traces' own settled totals (so a session's tokens agree with its traces'), newest activity
// first.
import type { DatabaseSync } from 'node:sqlite';

export interface SessionRow {
  conversation_id: string;
  turns: number;
  first_ns: bigint;
  last_ns: bigint;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  reasoning_tokens: number;
  /** Turns (traces) with at least one error. */
  error_turns: number;
  rating_sum: number;
  rating_count: number;
  /** The session's traces, for their cost. */
  trace_ids: string[];
}

export interface SessionQuery {
  startNs: bigint;
  endNs: bigint;
  limit: number;
  /** Sessions whose last activity is before this one (the cursor of the previous page). */
  before?: { lastNs: bigint; id: string };
}

const NS = new Set(['first_ns', 'last_ns']);

export function sessionQueries(db: DatabaseSync) {
  // A session is in range when one of its spans is; its figures cover all of its traces.
  const list = db.prepare(`
    WITH active AS (
      SELECT DISTINCT conversation_id AS id FROM spans
      WHERE tenant = :tenant AND conversation_id IS NOT NULL AND conversation_id != ''
        AND start_ns >= :start AND start_ns <= :end),
    s AS (
      SELECT DISTINCT spans.conversation_id AS id, spans.trace_id FROM active
      JOIN spans ON spans.tenant = :tenant AND spans.conversation_id = active.id)
    SELECT s.id AS conversation_id, count(*) AS turns, min(t.start_ns) AS first_ns, max(t.end_ns) AS last_ns,
      sum(t.input_tokens) AS input_tokens, sum(t.output_tokens) AS output_tokens,
      sum(t.cache_read_tokens) AS cache_read_tokens, sum(t.cache_creation_tokens) AS cache_creation_tokens,
      sum(t.reasoning_tokens) AS reasoning_tokens, sum(t.error_count > 0) AS error_turns,
      sum(t.rating_sum) AS rating_sum, sum(t.rating_count) AS rating_count,
      json_group_array(s.trace_id) AS trace_ids
    FROM s JOIN traces t ON t.tenant = :tenant AND t.trace_id = s.trace_id
    GROUP BY s.id
    HAVING :beforeId IS NULL OR max(t.end_ns) < :beforeNs OR (max(t.end_ns) = :beforeNs AND s.id < :beforeId)
    ORDER BY last_ns DESC, conversation_id DESC
    LIMIT :limit`);
  list.setReadBigInts(true);

  return {
    sessions(tenant: string, q: SessionQuery): SessionRow[] {
      const rows = list.all({
        tenant,
        start: q.startNs,
        end: q.endNs,
        beforeNs: q.before?.lastNs ?? null,
        beforeId: q.before?.id ?? null,
        limit: q.limit,
      }) as Record<string, unknown>[];
      return rows.map((r) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(r))
          out[k] =
            k === 'trace_ids' ? JSON.parse(v as string) : typeof v === 'bigint' && !NS.has(k) ? Number(v) : v;
        return out as unknown as SessionRow;
      });
    },
  };
}
