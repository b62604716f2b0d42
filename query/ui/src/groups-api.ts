// Sessions and users as the UI reads them (GET /api/v1/sessions[/{id}], GET /api/v1/users), with one
// row shape for the list pages whichever the grouping.
import type * as C from '../../src/api/contract/schemas.ts';
import { call } from './api.ts';

export type Turn = C.TurnT;

/** A session or user row, as the list pages show either. */
export interface GroupRow extends Omit<C.UserRowT, 'userId' | 'traces' | 'errorTraces'> {
  key: string;
  traces: number;
  errors: number;
}

const fromSession = ({ conversationId, turns, errorTurns, ...rest }: C.SessionRowT): GroupRow => ({
  ...rest,
  key: conversationId,
  traces: turns,
  errors: errorTurns,
});
const fromUser = ({ userId, traces, errorTraces, ...rest }: C.UserRowT): GroupRow => ({
  ...rest,
  key: userId,
  traces,
  errors: errorTraces,
});

export const groupsApi = {
  async list(what: 'sessions' | 'users', q: URLSearchParams): Promise<{ groups: GroupRow[]; next?: string }> {
    if (what === 'sessions') {
      const r = await call<{ sessions: C.SessionRowT[]; next?: string }>(`/api/v1/sessions?${q}`);
      return { groups: r.sessions.map(fromSession), ...(r.next ? { next: r.next } : {}) };
    }
    const r = await call<{ users: C.UserRowT[]; next?: string }>(`/api/v1/users?${q}`);
    return { groups: r.users.map(fromUser), ...(r.next ? { next: r.next } : {}) };
  },
  session: (id: string, q: URLSearchParams) =>
    call<{ conversationId: string; turns: Turn[]; next?: string }>(
      `/api/v1/sessions/${encodeURIComponent(id)}?${q}`,
    ),
};
