// `@koder-trace/query/testing`: a raw HTTP sender for hostile-request tests, and agent runs made by the
// OTel SDK for the API's tests.
export { agentRun } from '../testing/agent-runs.ts';
export { raw } from '../testing/raw-http.ts';
