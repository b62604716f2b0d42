// `@koder-trace/operator/crds`: the CRD validator and types, so `make run` reads the same manifests the
// operator does.
export { makeValidator } from '../api/crds.ts';
export type { SamplingPolicy, TraceTenant } from '../api/types.generated.ts';
