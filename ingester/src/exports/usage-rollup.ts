// `@koder-trace/ingester/usage-rollup`: the rule that keeps aggregate spans from being counted twice,
// one definition for the ingester's usage ledger and every total the query service shows.
export {
  hasUsage,
  isCarrier,
  isLlmCall,
  isToolCall,
  LLM_OPERATIONS,
  markRollups,
  type Rollups,
  rollups,
  USAGE_FIELDS,
  type Usage,
  type UsageField,
  type UsageNode,
  type UsageTotals,
  usageTotals,
} from '../usage/rollup.ts';
