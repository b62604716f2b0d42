// Status for TraceTenants and SamplingPolicies from the compile step's verdicts. The Ready
// condition's lastTransitionTime moves only when its status changes, so an unchanged verdict gives
// an identical status and nothing is written.
import type { SamplingPolicyStatus, TraceTenantStatus } from '../api/types.generated.ts';
import type { PolicyOutcome, TenantOutcome, Verdict } from '../compile/compile.ts';

type Condition = NonNullable<TraceTenantStatus['conditions']>[number];

function readyCondition(
  v: Verdict,
  generation: number,
  previous: Condition[] | undefined,
  now: Date,
): Condition {
  const status = v.ready ? 'True' : 'False';
  const prev = previous?.find((c) => c.type === 'Ready');
  return {
    type: 'Ready',
    status,
    observedGeneration: generation,
    lastTransitionTime:
      prev && prev.status === status ? prev.lastTransitionTime : now.toISOString().replace(/\.\d+Z$/, 'Z'),
    reason: v.reason,
    message: v.message,
  };
}

export function tenantStatus(
  o: TenantOutcome,
  generation: number,
  previous: TraceTenantStatus | undefined,
  now: Date,
): TraceTenantStatus {
  return {
    observedGeneration: generation,
    tenantId: o.tenantId,
    secretName: o.secretName,
    sampling: o.sampling,
    conditions: [readyCondition(o, generation, previous?.conditions, now)],
  };
}

export function policyStatus(
  o: PolicyOutcome,
  generation: number,
  previous: SamplingPolicyStatus | undefined,
  now: Date,
): SamplingPolicyStatus {
  return {
    observedGeneration: generation,
    ruleCount: o.ruleCount,
    usedBy: o.usedBy,
    conditions: [readyCondition(o, generation, previous?.conditions, now)],
  };
}
