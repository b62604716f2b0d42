// Sessions (gen_ai.conversation.id), as Langfuse and Phoenix users look for them: a list with each
// session's turns, time span, tokens, cost, errors and rating, and one session opened as its turns in
// order, each turn's question and answer readable as a conversation.
import { CostSum, usageCost } from '../cost/cost-sum.ts';
import type { Pricer } from '../cost/prices.ts';
import { BadRequest } from '../model/filter.ts';
import type { ModelUsage, TraceSummaryRow } from '../model/rows.ts';
import type { SessionRow } from '../store/sessions.ts';
import { OPERATIONS, queryParams } from './contract/operations.ts';
import { boundedInt, checkParams, parseRange } from './search-params.ts';

/** The list's page: limit and where the previous page ended (last activity, id) as base64url JSON. */
export function parseSessionsPage(q: URLSearchParams) {
  const range = parseRange(q, queryParams(OPERATIONS.sessions));
  const limit = boundedInt(q, OPERATIONS.sessions, 'limit');
  const cursor = q.get('cursor');
  if (cursor === null) return { range, limit };
  try {
    const [ns, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (typeof ns === 'string' && /^\d{1,19}$/.test(ns) && typeof id === 'string')
      return { range, limit, before: { lastNs: BigInt(ns), id } };
  } catch {
    // answered below
  }
  throw new BadRequest('cursor: not a cursor from this list (use the "next" value of the previous page)');
}

const tokens = (r: Omit<TraceSummaryRow, 'trace_id'> | SessionRow) => ({
  input: r.input_tokens,
  output: r.output_tokens,
  cacheRead: r.cache_read_tokens,
  cacheCreation: r.cache_creation_tokens,
  reasoning: r.reasoning_tokens,
});

const rating = (sum: number, count: number) => (count ? { average: sum / count, count } : null);

/** GET /api/v1/sessions's body: each session with its cost summed over its traces' model calls. */
export function sessionList(rows: SessionRow[], usage: ModelUsage[], price: Pricer, limit: number) {
  const sessionOf = new Map<string, string>();
  for (const r of rows) for (const id of r.trace_ids) sessionOf.set(id, r.conversation_id);
  const sums = new Map(rows.map((r) => [r.conversation_id, new CostSum()]));
  for (const u of usage) {
    const session = sessionOf.get(u.trace_id);
    const c = usageCost(price, u.provider, u.model, {
      input: u.input_tokens,
      output: u.output_tokens,
      cacheRead: u.cache_read_tokens,
      cacheCreation: u.cache_creation_tokens,
    });
    if (session !== undefined) sums.get(session)?.add(c, u.provider, u.model);
  }
  const sessions = rows.map((r) => ({
    conversationId: r.conversation_id,
    turns: r.turns,
    firstTimeUnixNano: r.first_ns.toString(),
    lastTimeUnixNano: r.last_ns.toString(),
    durationMs: Number(r.last_ns - r.first_ns) / 1e6,
    tokens: tokens(r),
    ...(sums.get(r.conversation_id) as CostSum).total(),
    errorTurns: r.error_turns,
    rating: rating(r.rating_sum, r.rating_count),
  }));
  const last = rows.at(-1);
  return rows.length === limit && last
    ? {
        sessions,
        next: Buffer.from(JSON.stringify([last.last_ns.toString(), last.conversation_id])).toString(
          'base64url',
        ),
      }
    : { sessions };
}

interface ViewSpan {
  spanId: string;
  offsetMs: number;
  genAi?: { inputMessages?: unknown; outputMessages?: unknown };
}
interface View {
  traceId: string;
  rootName: string | null;
  rootService: string | null;
  startTimeUnixNano: string;
  durationMs: number;
  totals: Record<string, number | null | boolean | string[]>;
  calls: { spanId: string; type: string }[];
  errors: unknown[];
  ratings: { score: number }[];
  spans: ViewSpan[];
}

type Message = { role?: unknown };

/**
 * One turn of a session from its trace's API view: the new question (the last user message given to
 * its first LLM call) and the answer (what its last LLM call returned), with the turn's figures.
 */
export function sessionTurn(viewText: string) {
  const v = JSON.parse(viewText) as View;
  const llm = new Set(v.calls.filter((c) => c.type === 'llm').map((c) => c.spanId));
  const calls = v.spans.filter((s) => llm.has(s.spanId)).sort((a, b) => a.offsetMs - b.offsetMs);
  const input = calls[0]?.genAi?.inputMessages;
  const question = Array.isArray(input)
    ? ((input as Message[]).filter((m) => m.role === 'user').at(-1) ?? null)
    : null;
  const answer = calls.at(-1)?.genAi?.outputMessages;
  const { costUsd, costPartial, costUnknown, ...totals } = v.totals;
  return {
    traceId: v.traceId,
    rootName: v.rootName,
    rootService: v.rootService,
    startTimeUnixNano: v.startTimeUnixNano,
    durationMs: v.durationMs,
    totals,
    costUsd: costUsd ?? null,
    costPartial: costPartial ?? false,
    costUnknown: costUnknown ?? [],
    error: v.errors.length > 0,
    rating: rating(
      v.ratings.reduce((s, r) => s + r.score, 0),
      v.ratings.length,
    ),
    question,
    answer: Array.isArray(answer) ? answer : null,
  };
}

export function checkSessionParams(q: URLSearchParams): { limit: number; cursor?: string } {
  checkParams(q, queryParams(OPERATIONS.session));
  const limit = boundedInt(q, OPERATIONS.session, 'limit');
  const cursor = q.get('cursor') ?? undefined;
  return cursor ? { limit, cursor } : { limit };
}
