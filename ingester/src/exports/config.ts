// `@koder-trace/ingester/config`: the ingester's config document, which the operator writes and
// `make run` builds; parsing here keeps one validator for every writer.
export { type ConfigResult, configFrom, parseConfig } from '../config/load.ts';
export type {
  ContentCaptureConfig,
  IngesterConfigDoc,
  LimitsConfig,
  RuleConfig,
  SamplingConfig,
  TenantConfig,
} from '../config/schema.ts';
export { TRACE_WAIT_DEFAULTS } from '../config/schema.ts';
/** The container memory limit a memory budget needs (tests size their memory cgroups with it). */
export { limitNeeded } from '../memory/fit-budget.ts';
