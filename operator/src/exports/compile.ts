// `@koder-trace/operator/compile`: TraceTenants and SamplingPolicies → the ingester's config, shared by
// the operator and `make run`.
export { type CompileOutput, compile, keyOf, registrySecretFile } from '../compile/compile.ts';
