// `@koder-trace/query/backend`: the two trace backends behind the query API (embedded store, Tempo), for
// the contract tests and the benchmark.
export { embeddedBackend, type TraceBackend } from '../backend/backend.ts';
export { tempoBackend } from '../backend/tempo.ts';
export { traceql } from '../backend/traceql.ts';
export type { TraceFilter } from '../model/filter.ts';
export { type EmbeddedStore, openEmbeddedStore } from '../store/sqlite-store.ts';
