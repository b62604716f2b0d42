// The sessions part of the query API as the UI uses it (GET /api/v1/sessions[/{id}]).
import type * as C from '../../src/api/contract/schemas.ts';
import { call } from './api.ts';

export type SessionRow = C.SessionRowT;
export type Turn = C.TurnT;

export const sessionsApi = {
  list: (q: URLSearchParams) => call<{ sessions: SessionRow[]; next?: string }>(`/api/v1/sessions?${q}`),
  session: (id: string, q: URLSearchParams) =>
    call<{ conversationId: string; turns: Turn[]; next?: string }>(
      `/api/v1/sessions/${encodeURIComponent(id)}?${q}`,
    ),
};
