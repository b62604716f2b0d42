// `@koder-trace/ingester/testing`: span builders, OTel-SDK-made payloads and hostile inputs for tests
// in every workspace. Not used by production code.

// Which replica owns a trace id (rendezvous hashing), for tests that move ownership on purpose.
export { createRing } from '../route/rendezvous.ts';
// What the ingester's usage ledger writes for a decided trace, for tests of what reads it.
export { addSpanUsage, emptyLedger, ledgerBatch } from '../tail/ledger.ts';
export * from '../testing/arbitraries.ts';
export * from '../testing/hostile-cases.ts';
export * from '../testing/otlp-builder.ts';
export * from '../testing/sdk-spans.ts';
export * from '../testing/spans.ts';
export * from '../testing/trace-server.ts';
export * from '../testing/traces.ts';
