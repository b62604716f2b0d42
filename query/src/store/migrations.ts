// Schema migrations for the embedded store, applied in order and recorded in PRAGMA user_version, so
// a store file written by an older version is brought up to date on open.
import { DASHBOARD_MIGRATIONS } from './dashboard-points.ts';
import { FULL_TEXT_MIGRATIONS } from './full-text.ts';

export const MIGRATIONS: string[] = [
  `CREATE TABLE spans (
     tenant TEXT NOT NULL, trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT NOT NULL,
     name TEXT NOT NULL, kind INTEGER NOT NULL, service TEXT NOT NULL,
     start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL,
     status_code INTEGER NOT NULL, status_message TEXT NOT NULL, trace_state TEXT NOT NULL,
     attributes TEXT NOT NULL, resource TEXT NOT NULL, events TEXT NOT NULL, links TEXT NOT NULL,
     operation TEXT, provider TEXT, request_model TEXT, response_model TEXT,
     input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL,
     cache_creation_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL,
     prompt_id TEXT, prompt_version TEXT, conversation_id TEXT, request_id TEXT,
     adjusted_count REAL NOT NULL, is_error INTEGER NOT NULL,
     PRIMARY KEY (tenant, trace_id, span_id)
   ) WITHOUT ROWID`,
  `CREATE TABLE traces (
     tenant TEXT NOT NULL, trace_id TEXT NOT NULL,
     start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
     root_service TEXT, root_name TEXT, span_count INTEGER NOT NULL, error_count INTEGER NOT NULL,
     input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL,
     cache_creation_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL,
     PRIMARY KEY (tenant, trace_id)
   ) WITHOUT ROWID`,
  `CREATE INDEX traces_by_start ON traces (tenant, start_ns DESC)`,
  `CREATE INDEX spans_by_model ON spans (tenant, response_model, request_model)`,
  `CREATE INDEX spans_by_prompt ON spans (tenant, prompt_id, prompt_version, start_ns)`,
  `CREATE INDEX spans_by_conversation ON spans (tenant, conversation_id)`,
  `CREATE INDEX spans_by_request ON spans (tenant, request_id)`,
  `CREATE INDEX spans_by_start ON spans (tenant, start_ns)`,
  // v9: ratings (written as spans whose parent is the rated span).
  `ALTER TABLE spans ADD COLUMN rating REAL`,
  `ALTER TABLE traces ADD COLUMN rating_sum REAL NOT NULL DEFAULT 0`,
  `ALTER TABLE traces ADD COLUMN rating_count INTEGER NOT NULL DEFAULT 0`,
  // v12: the answer's view of each span prepared at write time (reading a trace splices it).
  `ALTER TABLE spans ADD COLUMN view TEXT`,
  // v13: aggregate spans are not counted twice (the usage rollup rule): per span what it rolls up, per trace
  // how many spans take part in the rule (a trace with fewer than two needs no settling). Traces
  // stored before are settled once when the store opens (sqlite-store.ts).
  `ALTER TABLE spans ADD COLUMN rollup INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE traces ADD COLUMN carriers INTEGER NOT NULL DEFAULT 0`,
  // v15: the application's end user of each span (user.id, else enduser.id; span, else resource), for
  // the user filter and the users page; spans stored before are filled in from their attributes.
  `ALTER TABLE spans ADD COLUMN user_id TEXT`,
  `UPDATE spans SET user_id = CAST(coalesce(json_extract(attributes, '$."user.id"'),
     json_extract(attributes, '$."enduser.id"'), json_extract(resource, '$."user.id"'),
     json_extract(resource, '$."enduser.id"')) AS TEXT)`,
  `CREATE INDEX spans_by_user ON spans (tenant, user_id)`,
  // v18: full-text search over span names and content (full-text.ts); spans stored before are indexed
  // when the store opens (sqlite-store.ts).
  ...FULL_TEXT_MIGRATIONS,
  // v21: the usage ledger's spans listed directly (GET /api/v1/usage), exact however many there are.
  `CREATE INDEX spans_ledgers ON spans (tenant, start_ns) WHERE name = 'koder.usage'`,
  // v22: each trace's input/output preview for the trace table (model/preview.ts), kept as spans
  // arrive: the input of the earliest span with one, the output of the latest. Traces stored before
  // have none.
  `ALTER TABLE traces ADD COLUMN input_preview TEXT`,
  `ALTER TABLE traces ADD COLUMN input_at INTEGER`,
  `ALTER TABLE traces ADD COLUMN output_preview TEXT`,
  `ALTER TABLE traces ADD COLUMN output_at INTEGER`,
  // v26: what an aggregate span adds beyond the calls below it (the usage rollup rule's `excess`), counted
  // and priced at its model; traces stored before are settled again when the store opens.
  `ALTER TABLE spans ADD COLUMN excess_input_tokens INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE spans ADD COLUMN excess_output_tokens INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE spans ADD COLUMN excess_cache_read_tokens INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE spans ADD COLUMN excess_cache_creation_tokens INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE spans ADD COLUMN excess_reasoning_tokens INTEGER NOT NULL DEFAULT 0`,
  // v31, v32: the dashboard's calls and ratings read from indexes of their own (dashboard-points.ts).
  ...DASHBOARD_MIGRATIONS,
];

/** The first version with the full-text index (v18's last statement): older stores are indexed when opened. */
export const FULL_TEXT_VERSION = 20;

/** The first version that keeps rollups: stores older than this are settled when opened. */
export const ROLLUP_VERSION = 14;

/** The first version that keeps each rollup's excess (v26's last statement): older stores are settled again. */
export const EXCESS_VERSION = 30;
