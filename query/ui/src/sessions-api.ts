// The sessions part of the query API as the UI uses it (GET /api/v1/sessions[/{id}]).
import { call, type Message } from './api.ts';
import type { CostTotal } from './format.ts';

export interface SessionRow extends CostTotal {
  conversationId: string;
  turns: number;
  firstTimeUnixNano: string;
  lastTimeUnixNano: string;
  durationMs: number;
  tokens: { input: number; output: number; cacheRead: number; cacheCreation: number; reasoning: number };
  errorTurns: number;
  rating: { average: number; count: number } | null;
}

export interface Turn extends CostTotal {
  traceId: string;
  rootName: string | null;
  rootService: string | null;
  startTimeUnixNano: string;
  durationMs: number;
  totals: { inputTokens: number; outputTokens: number; llmCalls: number; toolCalls: number };
  error: boolean;
  rating: { average: number; count: number } | null;
  question: Message | null;
  answer: Message[] | null;
}

export const sessionsApi = {
  list: (q: URLSearchParams) => call<{ sessions: SessionRow[]; next?: string }>(`/api/v1/sessions?${q}`),
  session: (id: string, q: URLSearchParams) =>
    call<{ conversationId: string; turns: Turn[]; next?: string }>(
      `/api/v1/sessions/${encodeURIComponent(id)}?${q}`,
    ),
};
