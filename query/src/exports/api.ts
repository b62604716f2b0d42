// `@koder-trace/query/api`: the query server, its contract (operations with their schemas) and the
// trace-detail handler's pure parts, for the contract tests and the benchmark.
export { OPERATIONS, type Operation, type OperationName } from '../api/contract/operations.ts';
export type { DashboardT } from '../api/contract/schemas.ts';
export { TENANT_HEADER, type TrustedIdentity, trustedProxies } from '../api/identity.ts';
export { answer, createQueryServer, type QueryDeps, replyText } from '../api/server.ts';
export { traceView } from '../api/trace-view.ts';
export { DEFAULT_PRICES } from '../cost/prices.ts';
