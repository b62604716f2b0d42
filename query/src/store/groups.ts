// Traces grouped by who or what they belong to — a session (gen_ai.conversation.id) or an end user
// (user.id / enduser.id) — summed per group from the traces' own settled totals (so a group's tokens
// agree with its traces'), latest activity first.
import type { DatabaseSync } from 'node:sqlite';

export interface GroupRow {
  /** The conversation id or user id. */
  key: string;
  traces: number;
  first_ns: bigint;
  last_ns: bigint;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  reasoning_tokens: number;
  /** Traces with at least one error. */
  error_traces: number;
  rating_sum: number;
  rating_count: number;
  /** The group's traces, for their cost. */
  trace_ids: string[];
}

export interface GroupQuery {
  startNs: bigint;
  endNs: bigint;
  limit: number;
  /** Groups whose last activity is before this one (the cursor of the previous page). */
  before?: { lastNs: bigint; key: string };
}

const NS = new Set(['first_ns', 'last_ns']);

/**
 * `members` lists (key, trace_id) pairs for the range: a session counts all of its traces once any is
 * in the range (a conversation is one whole), a user only the traces in the range.
 */
function grouped(db: DatabaseSync, members: string) {
  const stmt = db.prepare(`
    WITH m AS (${members})
    SELECT m.key AS key, count(*) AS traces, min(t.start_ns) AS first_ns, max(t.end_ns) AS last_ns,
      sum(t.input_tokens) AS input_tokens, sum(t.output_tokens) AS output_tokens,
      sum(t.cache_read_tokens) AS cache_read_tokens, sum(t.cache_creation_tokens) AS cache_creation_tokens,
      sum(t.reasoning_tokens) AS reasoning_tokens, sum(t.error_count > 0) AS error_traces,
      sum(t.rating_sum) AS rating_sum, sum(t.rating_count) AS rating_count,
      json_group_array(m.trace_id) AS trace_ids
    FROM m JOIN traces t ON t.tenant = :tenant AND t.trace_id = m.trace_id
    GROUP BY m.key
    HAVING :beforeKey IS NULL OR max(t.end_ns) < :beforeNs OR (max(t.end_ns) = :beforeNs AND m.key < :beforeKey)
    ORDER BY last_ns DESC, key DESC
    LIMIT :limit`);
  stmt.setReadBigInts(true);
  return (tenant: string, q: GroupQuery): GroupRow[] =>
    (
      stmt.all({
        tenant,
        start: q.startNs,
        end: q.endNs,
        beforeNs: q.before?.lastNs ?? null,
        beforeKey: q.before?.key ?? null,
        limit: q.limit,
      }) as Record<string, unknown>[]
    ).map((r) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r))
        out[k] =
          k === 'trace_ids' ? JSON.parse(v as string) : typeof v === 'bigint' && !NS.has(k) ? Number(v) : v;
      return out as unknown as GroupRow;
    });
}

export function groupQueries(db: DatabaseSync) {
  return {
    sessions: grouped(
      db,
      `SELECT DISTINCT s.conversation_id AS key, s.trace_id FROM spans s
       WHERE s.tenant = :tenant AND s.conversation_id IN (
         SELECT conversation_id FROM spans WHERE tenant = :tenant AND conversation_id IS NOT NULL
           AND conversation_id != '' AND start_ns >= :start AND start_ns <= :end)`,
    ),
    users: grouped(
      db,
      `SELECT DISTINCT user_id AS key, trace_id FROM spans
       WHERE tenant = :tenant AND user_id IS NOT NULL AND user_id != '' AND start_ns >= :start AND start_ns <= :end`,
    ),
  };
}
