// GET /api/v1/usage: exact usage from the ingester's `koder.usage` ledger spans (docs/sampling.md),
// which every decided trace gets whether its spans were kept or not.
//   ?requestId=…            the totals of one request (koder.request_id), summed over its ledger spans
//   ?start=…&end=…          totals in a range, grouped by service, model, prompt versions and day (UTC)
// The tenant is the one the token proves, so totals are always one tenant's. Every ledger span is read,
// however many: the embedded store lists them from an index, Tempo from searches that select only the
// ledger attributes (backend/tempo.ts).
import type { LedgerRow, TraceBackend } from '../backend/backend.ts';
import { BadRequest } from '../model/filter.ts';
import { OPERATIONS, queryParams } from './contract/operations.ts';
import { parseRange } from './search-params.ts';

const LEDGER_NAME = 'koder.usage';
const TOKEN_TYPES = ['input', 'output', 'cache_read', 'cache_creation', 'reasoning'] as const;

type Tokens = Record<(typeof TOKEN_TYPES)[number], number>;
const noTokens = (): Tokens => ({ input: 0, output: 0, cache_read: 0, cache_creation: 0, reasoning: 0 });

interface Ledger {
  traceId: string;
  requestId: string | null;
  spans: number;
  errors: number;
  tokens: Tokens;
  byModel: Record<string, Partial<Tokens>>;
  models: string[];
  promptVersions: string[];
  services: string[];
  durationMs: number;
  decision: string;
  startNs: bigint;
}

const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : 0);
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The ledger a stored span holds, or undefined when it is not a ledger span the ingester wrote. */
function ledgerOf(row: LedgerRow): Ledger | undefined {
  if (row.name !== LEDGER_NAME) return undefined;
  let a: Record<string, unknown>;
  try {
    a = JSON.parse(row.attributes) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (a['koder.usage.ledger'] !== true) return undefined;
  let byModel: Record<string, Partial<Tokens>> = {};
  try {
    byModel = JSON.parse(String(a['koder.usage.tokens_by_model'] ?? '{}')) as Record<string, Partial<Tokens>>;
  } catch {
    // kept empty: the per-type totals still hold
  }
  const tokens = noTokens();
  for (const t of TOKEN_TYPES) tokens[t] = num(a[`koder.usage.tokens.${t}`]);
  return {
    traceId: row.trace_id,
    requestId: typeof a['koder.request_id'] === 'string' ? (a['koder.request_id'] as string) : null,
    spans: num(a['koder.usage.spans']),
    errors: num(a['koder.usage.errors']),
    tokens,
    byModel,
    models: strings(a['koder.usage.models']),
    promptVersions: strings(a['koder.usage.prompt_versions']),
    services: strings(a['koder.usage.services']),
    durationMs: num(a['koder.usage.duration_ms']),
    decision: String(a['koder.sampling.decision'] ?? ''),
    startNs: row.start_ns,
  };
}

/** Visits the ledgers matching the filter, every one (the backend lists ledger spans, not traces). */
async function eachLedger(
  backend: TraceBackend,
  tenant: string,
  filter: { requestId?: string; startNs?: bigint; endNs?: bigint },
  visit: (l: Ledger) => void,
): Promise<void> {
  for await (const row of backend.ledgerSpans(tenant, filter)) {
    const l = ledgerOf(row);
    if (l) visit(l);
  }
}

const add = (into: Tokens, t: Partial<Tokens>) => {
  for (const k of TOKEN_TYPES) into[k] += t[k] ?? 0;
};

export async function requestUsage(backend: TraceBackend, tenant: string, requestId: string) {
  if (!requestId || requestId.length > 1024) throw new BadRequest('requestId: expected 1 to 1024 characters');
  const mine: Ledger[] = [];
  await eachLedger(backend, tenant, { requestId }, (l) => {
    if (l.requestId === requestId) mine.push(l);
  });
  if (!mine.length) return undefined;
  const tokens = noTokens();
  const byModel: Record<string, Tokens> = {};
  for (const l of mine) {
    add(tokens, l.tokens);
    for (const [m, t] of Object.entries(l.byModel)) {
      byModel[m] ??= noTokens();
      add(byModel[m] as Tokens, t);
    }
  }
  const decisions = new Set(mine.map((l) => l.decision));
  return {
    requestId,
    traces: [...new Set(mine.map((l) => l.traceId))],
    spans: mine.reduce((n, l) => n + l.spans, 0),
    errors: mine.reduce((n, l) => n + l.errors, 0),
    error: mine.some((l) => l.errors > 0),
    tokens,
    tokensByModel: byModel,
    models: [...new Set(mine.flatMap((l) => l.models))].sort(),
    promptVersions: [...new Set(mine.flatMap((l) => l.promptVersions))].sort(),
    services: [...new Set(mine.flatMap((l) => l.services))].sort(),
    durationMs: Math.max(...mine.map((l) => l.durationMs)),
    // Whether the request's spans are stored: `kept`, `dropped` (only this ledger is), or `mixed`.
    stored: decisions.size === 1 ? ([...decisions][0] as string) : 'mixed',
  };
}

/**
 * Totals in [startNs, endNs] grouped by day (UTC, of the ledger span's start), service, model and
 * prompt versions. A ledger's tokens go to its models by `koder.usage.tokens_by_model`; spans and
 * errors count under the model `''` (they are not per model). A ledger with several prompt versions
 * is grouped under all of them joined with ','.
 */
export async function usageTotals(backend: TraceBackend, tenant: string, startNs: bigint, endNs: bigint) {
  const groups = new Map<
    string,
    {
      day: string;
      service: string;
      model: string;
      promptVersion: string;
      /** Requests (else traces) seen: a request's late spans have a ledger span of their own. */
      seen: Set<string>;
      spans: number;
      errors: number;
      tokens: Tokens;
    }
  >();
  const group = (day: string, service: string, model: string, promptVersion: string) => {
    const key = JSON.stringify([day, service, model, promptVersion]);
    let g = groups.get(key);
    if (!g) {
      g = { day, service, model, promptVersion, seen: new Set(), spans: 0, errors: 0, tokens: noTokens() };
      groups.set(key, g);
    }
    return g;
  };
  await eachLedger(backend, tenant, { startNs, endNs }, (l) => {
    if (l.startNs < startNs || l.startNs > endNs) return;
    const day = new Date(Number(l.startNs / 1_000_000n)).toISOString().slice(0, 10);
    const service = l.services[0] ?? '';
    const versions = l.promptVersions.join(',');
    const base = group(day, service, '', versions);
    base.seen.add(l.requestId ?? `trace ${l.traceId}`);
    base.spans += l.spans;
    base.errors += l.errors;
    for (const [m, t] of Object.entries(l.byModel)) add(group(day, service, m, versions).tokens, t);
  });
  const rows = [...groups.values()]
    .map(({ seen, ...g }) => ({ ...g, requests: seen.size }))
    .sort(
      (a, b) =>
        a.day.localeCompare(b.day) ||
        a.service.localeCompare(b.service) ||
        a.model.localeCompare(b.model) ||
        a.promptVersion.localeCompare(b.promptVersion),
    );
  return { tenant, rows };
}

/** The answer to GET /api/v1/usage for the tenant; `range` fills in a missing start or end. */
export async function usageReply(
  backend: TraceBackend,
  tenant: string,
  q: URLSearchParams,
  range: (f: { startNs?: bigint; endNs?: bigint }) => { start: bigint; end: bigint },
): Promise<{ status: number; body: unknown }> {
  const f = parseRange(q, queryParams(OPERATIONS.usage));
  const requestId = q.get('requestId');
  if (requestId !== null) {
    const u = await requestUsage(backend, tenant, requestId);
    return u
      ? { status: 200, body: u }
      : {
          status: 404,
          body: {
            error: `no usage ledger for request ${JSON.stringify(requestId)}: the ingester writes one per koder.request_id of every trace it decides in sampling mode trace`,
          },
        };
  }
  const { start, end } = range(f);
  return { status: 200, body: await usageTotals(backend, tenant, start, end) };
}
