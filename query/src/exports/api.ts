// `@koder-trace/query/api`: the trace-detail handler's pure parts and the price table, for the benchmark.
export { answer, replyText } from '../api/server.ts';
export { traceView } from '../api/trace-view.ts';
export { DEFAULT_PRICES } from '../cost/prices.ts';
