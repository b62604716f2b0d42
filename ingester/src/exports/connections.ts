// `@koder-trace/ingester/connections`: per-port connection limits, reused by the query server.
export { type ConnectionLimits, limitConnections } from '../receive/connections.ts';
