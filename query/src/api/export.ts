// Bulk export for offline evaluation: every trace, or every LLM call, that a search matches, as NDJSON
// (calls also as CSV). Pages are read through the backend's own search cursor, so memory holds one page
// of traces at a time, and the same cursor lets a client resume: NDJSON carries a `cursor` record after
// each page and an `end` record last, so a reader keeps what precedes the last cursor it saw.
import type { TraceBackend } from '../backend/backend.ts';
import type { PriceTable } from '../cost/prices.ts';
import { BadRequest, type TraceFilter } from '../model/filter.ts';
import { OPERATIONS, queryParams } from './contract/operations.ts';
import { checkParams, parseSearch, shown } from './search-params.ts';
import { traceView } from './trace-view.ts';

export interface ExportRequest {
  what: 'traces' | 'calls';
  format: 'ndjson' | 'csv';
  /** The search whose matches are exported; its `limit` is the page size. */
  filter: TraceFilter;
}

/** `what` and `format`, then every search parameter (the search's own checks and messages). */
export function parseExport(q: URLSearchParams): ExportRequest {
  checkParams(q, queryParams(OPERATIONS.export));
  const what = q.get('what') ?? 'traces';
  if (what !== 'traces' && what !== 'calls')
    throw new BadRequest(`what: expected "traces" or "calls", got ${shown(what)}`);
  const format = q.get('format') ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'csv')
    throw new BadRequest(`format: expected "ndjson" or "csv", got ${shown(format)}`);
  if (format === 'csv' && what === 'traces')
    throw new BadRequest('format: csv is for calls (what=calls); traces are nested, export them as ndjson');
  const search = new URLSearchParams(q);
  search.delete('what');
  search.delete('format');
  return { what, format, filter: parseSearch(search) };
}

/** One LLM call as exported: what an evaluation needs without reading the trace around it. */
export interface CallRecord {
  type: 'call';
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  service: string;
  startTimeUnixNano: string;
  durationMs: number;
  error: boolean;
  operation: string | null;
  provider: string | null;
  requestModel: string | null;
  responseModel: string | null;
  promptId: string | null;
  promptVersion: string | null;
  conversationId: string | null;
  usage: Record<string, number>;
  costUsd: number | null;
  systemInstructions: unknown;
  inputMessages: unknown;
  outputMessages: unknown;
  rating: { average: number; count: number; comments: string[] } | null;
}

interface ViewSpan {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  service: string;
  startTimeUnixNano: string;
  durationMs: number;
  error: boolean;
  costUsd: number | null;
  genAi?: Record<string, unknown>;
}

interface View {
  calls: { spanId: string; type: string }[];
  ratings: { ratedSpanId: string; score: number; comment: unknown }[];
  spans: ViewSpan[];
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** The LLM calls of one trace, read from the trace's API view so tokens and cost agree with it. */
export function callRecords(traceId: string, viewText: string): CallRecord[] {
  const view = JSON.parse(viewText) as View;
  const llm = new Set(view.calls.filter((c) => c.type === 'llm').map((c) => c.spanId));
  return view.spans
    .filter((s) => llm.has(s.spanId))
    .map((s) => {
      const g = s.genAi ?? {};
      const ratings = view.ratings.filter((r) => r.ratedSpanId === s.spanId);
      return {
        type: 'call',
        traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId,
        name: s.name,
        service: s.service,
        startTimeUnixNano: s.startTimeUnixNano,
        durationMs: s.durationMs,
        error: s.error,
        operation: str(g.operation),
        provider: str(g.provider),
        requestModel: str(g.requestModel),
        responseModel: str(g.responseModel),
        promptId: str(g.promptId),
        promptVersion: str(g.promptVersion),
        conversationId: str(g.conversationId),
        usage: (g.usage as Record<string, number> | undefined) ?? {},
        costUsd: s.costUsd,
        systemInstructions: g.systemInstructions ?? null,
        inputMessages: g.inputMessages ?? null,
        outputMessages: g.outputMessages ?? null,
        rating: ratings.length
          ? {
              average: ratings.reduce((sum, r) => sum + r.score, 0) / ratings.length,
              count: ratings.length,
              comments: ratings.flatMap((r) => (typeof r.comment === 'string' ? [r.comment] : [])),
            }
          : null,
      };
    });
}

/** What an export yields, page after page; `cursor` follows each page that has a next one. */
export type ExportItem =
  | { type: 'trace'; traceId: string; view: string }
  | CallRecord
  | { type: 'cursor'; next: string }
  | { type: 'end'; traces: number; calls?: number };

export async function* exportItems(
  backend: TraceBackend,
  tenant: string,
  req: ExportRequest,
  prices: PriceTable,
  /** Called between pages: the server yields to other requests there. */
  betweenPages: () => Promise<void> = async () => {},
): AsyncGenerator<ExportItem> {
  let cursor = req.filter.cursor;
  let traces = 0;
  let calls = 0;
  for (;;) {
    const page = await backend.search(tenant, { ...req.filter, ...(cursor ? { cursor } : {}) });
    for (const row of page.rows) {
      const rows = await backend.spans(tenant, row.trace_id);
      if (!rows.length) continue; // expired between the search and the read
      const view = traceView(row.trace_id, rows, prices).text;
      traces++;
      if (req.what === 'traces') yield { type: 'trace', traceId: row.trace_id, view };
      else
        for (const call of callRecords(row.trace_id, view)) {
          calls++;
          yield call;
        }
    }
    if (!page.next || !page.rows.length) break;
    cursor = page.next;
    yield { type: 'cursor', next: cursor };
    await betweenPages();
  }
  yield req.what === 'calls' ? { type: 'end', traces, calls } : { type: 'end', traces };
}

/** An item as one NDJSON line (no newline); a trace's view is spliced in as the text it already is. */
export const ndjsonLine = (item: ExportItem): string =>
  item.type === 'trace' ? `{"type":"trace","trace":${item.view}}` : JSON.stringify(item);

export const CSV_COLUMNS = [
  'trace_id',
  'span_id',
  'parent_span_id',
  'start_time_unix_nano',
  'duration_ms',
  'service',
  'name',
  'operation',
  'provider',
  'request_model',
  'response_model',
  'prompt_id',
  'prompt_version',
  'conversation_id',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'reasoning_tokens',
  'cost_usd',
  'error',
  'rating_average',
  'rating_count',
  'rating_comments',
  'system_instructions',
  'input_messages',
  'output_messages',
] as const;

/**
 * One CSV field (RFC 4180). Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
 * carriage return first) gets a leading `'`: prompts are written by end users, and an export is
 * opened in spreadsheets too (OWASP's CSV-injection advice). Numbers are written as they are.
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  let s = typeof v === 'string' ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvRow(c: CallRecord): string {
  const u = c.usage;
  return [
    c.traceId,
    c.spanId,
    c.parentSpanId,
    c.startTimeUnixNano,
    c.durationMs,
    c.service,
    c.name,
    c.operation,
    c.provider,
    c.requestModel,
    c.responseModel,
    c.promptId,
    c.promptVersion,
    c.conversationId,
    u.inputTokens,
    u.outputTokens,
    u.cacheReadTokens,
    u.cacheCreationTokens,
    u.reasoningTokens,
    c.costUsd,
    c.error,
    c.rating?.average,
    c.rating?.count ?? 0,
    c.rating?.comments.length ? c.rating.comments : null,
    c.systemInstructions,
    c.inputMessages,
    c.outputMessages,
  ]
    .map(csvField)
    .join(',');
}

/** An item as one CSV line: calls are rows; cursor and end records have no place in CSV. */
export const csvLine = (item: ExportItem): string | undefined =>
  item.type === 'call' ? csvRow(item) : undefined;

export const CSV_HEADER = CSV_COLUMNS.join(',');
