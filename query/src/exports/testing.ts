// `@koder-trace/query/testing`: a raw HTTP sender for hostile-request tests.
export { raw } from '../testing/raw-http.ts';
