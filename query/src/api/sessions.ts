// One session (gen_ai.conversation.id) opened as its turns in order, each turn's question and answer
// readable as a conversation (the list of sessions is in groups.ts).
import { OPERATIONS, queryParams } from './contract/operations.ts';
import { rating } from './groups.ts';
import { boundedInt, checkParams } from './search-params.ts';

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
