// What the query API needs from storage, whichever holds the traces: the embedded store on one
// machine, Tempo in a cluster.

import type { DashboardPoint, PointOptions } from '../model/dashboard-point.ts';
import type { TraceFilter } from '../model/filter.ts';
import type { ModelUsage, PromptUse, TraceSummaryRow } from '../model/rows.ts';
import type { SpanRow } from '../model/span.ts';
import type { TextMatch } from '../store/full-text.ts';
import type { GroupQuery, GroupRow } from '../store/groups.ts';
import type { EmbeddedStore, LedgerFilter } from '../store/sqlite-store.ts';

/** What a usage ledger is read from: the ledger span's name, attributes (JSON text), trace and start. */
export type LedgerRow = Pick<SpanRow, 'name' | 'attributes' | 'trace_id' | 'start_ns'>;

/** Why an answer covers only part of a range: it read the newest `traces`, back to `fromNs`. */
export interface PartialRead {
  traces: number;
  fromNs: bigint;
  reason: string;
}

export interface TraceBackend {
  search(tenant: string, f: TraceFilter): Promise<{ rows: TraceSummaryRow[]; next?: string }>;
  spans(tenant: string, traceId: string): Promise<SpanRow[]>;
  traceFacets(
    tenant: string,
    traceIds: string[],
  ): Promise<Map<string, { models: string[]; promptVersions: string[] }>>;
  modelUsage(tenant: string, traceIds: string[]): Promise<ModelUsage[]>;
  promptSpans(tenant: string, promptId: string, startNs: bigint, endNs: bigint): Promise<SpanRow[]>;
  span(tenant: string, traceId: string, spanId: string): Promise<SpanRow | undefined>;
  prompts(tenant: string, startNs: bigint, endNs: bigint): Promise<PromptUse[]>;
  /**
   * Sessions active in a range, grouped by conversation id. Only the embedded store can group spans by
   * an attribute's value; Tempo's search cannot, so it has none (a session is still opened by id).
   */
  sessions?(tenant: string, q: GroupQuery): Promise<GroupRow[]>;
  /**
   * The dashboard's points starting in a range (model/dashboard-point.ts), read lazily: the embedded
   * store selects them directly; Tempo's come from whole traces, a bounded number (then `partial`).
   */
  dashboardPoints(
    tenant: string,
    startNs: bigint,
    endNs: bigint,
    opts?: PointOptions,
  ): Promise<{ points: Iterable<DashboardPoint>; partial?: PartialRead }>;
  /** Where each trace matches a full-text search (the embedded store from its index, Tempo from the traces). */
  textMatches?(tenant: string, traceIds: string[], text: string): Promise<Map<string, TextMatch>>;
  /** End users with traces in a range (embedded store only, for the same reason). */
  users?(tenant: string, q: GroupQuery): Promise<GroupRow[]>;
  /**
   * The `koder.usage` ledger spans of one request id, or starting in a range, one by one: the embedded
   * store from an index, Tempo from searches that select the ledger attributes (no trace is read).
   */
  ledgerSpans(tenant: string, f: LedgerFilter): Iterable<LedgerRow> | AsyncIterable<LedgerRow>;
}

export function embeddedBackend(store: EmbeddedStore): TraceBackend {
  return {
    search: async (t, f) => store.search(t, f),
    spans: async (t, id) => store.spans(t, id),
    traceFacets: async (t, ids) => store.traceFacets(t, ids),
    modelUsage: async (t, ids) => store.modelUsage(t, ids),
    promptSpans: async (t, p, s, e) => store.promptSpans(t, p, s, e),
    span: async (t, id, s) => store.span(t, id, s),
    prompts: async (t, s, e) => store.prompts(t, s, e),
    dashboardPoints: async (t, s, e, o) => ({ points: store.dashboardPoints(t, s, e, o) }),
    sessions: async (t, q) => store.sessions(t, q),
    users: async (t, q) => store.users(t, q),
    textMatches: async (t, ids, text) => store.textMatches(t, ids, text),
    ledgerSpans: (t, f) => store.ledgerSpans(t, f),
  };
}
