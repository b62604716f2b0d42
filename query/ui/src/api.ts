// The query API as the UI uses it: the tenant token (kept in this browser) on every request, and
// errors carried with the API's own message. The answers' types come from the API's contract
// (query/src/api/contract/schemas.ts), so the UI reads what the server is checked to send.
import type * as C from '../../src/api/contract/schemas.ts';

export type TraceRow = C.TraceRowT;
export type GenAiView = C.GenAiViewT;
export type Span = C.SpanViewT;
export type Rating = C.RatingT;
export type Trace = C.TraceT;
export type VersionStats = C.VersionStatsT;
export type Overlay = C.OverlayT;
export type Dashboard = C.DashboardT;
export type DashboardFigures = C.DashboardFiguresT;
export type PromptUse = C.PromptUseT;
export type Info = C.InfoT;

export interface Message {
  role?: string;
  parts?: Part[];
  finish_reason?: string;
}
export type Part = {
  type: string;
  content?: unknown;
  name?: string;
  id?: string;
  arguments?: unknown;
  response?: unknown;
};

/**
 * An answer other than 2xx: `status` 401 means the tenant token is missing or wrong; `tenants`, the
 * tenants a person signed in through a proxy reads, when they must choose one.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly tenants: string[];
  constructor(status: number, message: string, tenants: string[] = []) {
    super(message);
    this.status = status;
    this.tenants = tenants;
  }
}

const TOKEN_KEY = 'koder-trace.token';
export const token = {
  get: () => localStorage.getItem(TOKEN_KEY) ?? '',
  set: (t: string) => (t ? localStorage.setItem(TOKEN_KEY, t) : localStorage.removeItem(TOKEN_KEY)),
};

/** Behind a proxy that signs people in: the tenant chosen among those the person reads. */
const TENANT_KEY = 'koder-trace.tenant';
export const tenantChoice = {
  get: () => localStorage.getItem(TENANT_KEY) ?? '',
  set: (t: string) => (t ? localStorage.setItem(TENANT_KEY, t) : localStorage.removeItem(TENANT_KEY)),
};

export async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const t = token.get();
  const chosen = tenantChoice.get();
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      headers: {
        ...(t ? { authorization: `Bearer ${t}` } : chosen ? { 'x-koder-tenant': chosen } : {}),
        ...(init.headers ?? {}),
      },
    });
  } catch {
    throw new ApiError(0, 'The query service cannot be reached. Is it still running?');
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string; tenants?: string[] };
  if (!res.ok)
    throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`, body.tenants ?? []);
  return body as T;
}

export const api = {
  info: () => call<Info>('/api/v1/info'),
  search: (q: URLSearchParams) => call<{ traces: TraceRow[]; next?: string }>(`/api/v1/traces?${q}`),
  trace: (id: string) => call<Trace>(`/api/v1/traces/${id}`),
  prompts: (q: URLSearchParams) => call<{ prompts: PromptUse[] }>(`/api/v1/prompts?${q}`),
  dashboard: (q: URLSearchParams) => call<Dashboard>(`/api/v1/dashboard?${q}`),
  overlay: (id: string, q: URLSearchParams) =>
    call<Overlay>(`/api/v1/prompts/${encodeURIComponent(id)}/versions?${q}`),
  rate: (r: { traceId: string; spanId: string; score: number; comment?: string }) =>
    call<{ ratingSpanId: string }>('/api/v1/ratings', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...r, source: 'ui' }),
    }),
};
