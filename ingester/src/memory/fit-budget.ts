// The memory budget against the container's memory limit. The budget counts the bytes held for
// clients; the process needs more than that: its runtime (~130 MiB idle), buffers already let go but
// not yet collected by V8, exports in flight and the young generation. Measured forwarding LLM spans
// past saturation, peak RSS was about 300 MiB + 1.0–1.1 × the budget (16 MiB → 312, 256 → 582,
// 512 → 804; docs/performance.md). A budget the limit cannot hold would end in an OOM kill under
// load, losing what only memory held, so it is refused at start; an unset one is sized to fit.

const MiB = 1024 * 1024;

/** The budget when none is configured and the container's limit allows it. */
export const DEFAULT_BUDGET_BYTES = 256 * MiB;
/** The smallest budget: a few LLM-sized requests. */
export const MIN_BUDGET_BYTES = 16 * MiB;
/** Memory beyond the budget: the runtime, garbage not yet collected, exports in flight. */
export const RESERVE_BYTES = 384 * MiB;

/** The container memory limit a budget needs: the reserve, and the budget with a quarter on top. */
export const limitNeeded = (budget: number) => RESERVE_BYTES + Math.ceil(budget * 1.25);

const mib = (n: number) => `${Math.round(n / MiB)} MiB`;

export type FittedBudget = { ok: true; maxBytes: number } | { ok: false; error: string };

/**
 * The budget to run with: `configured` (memory.maxBytes) if the container's memory `limit` can hold
 * it; unset, the default or as much as the limit holds. No limit (undefined): no check.
 */
export function fitBudget(configured: number | undefined, limit: number | undefined): FittedBudget {
  if (limit === undefined) return { ok: true, maxBytes: configured ?? DEFAULT_BUDGET_BYTES };
  if (configured !== undefined) {
    if (limitNeeded(configured) <= limit) return { ok: true, maxBytes: configured };
    return {
      ok: false,
      error:
        `memory.maxBytes of ${mib(configured)} needs a container memory limit of at least ` +
        `${mib(limitNeeded(configured))} (${mib(RESERVE_BYTES)} + 1.25 × the budget), and this ` +
        `container's limit is ${mib(limit)}: lower memory.maxBytes or raise the limit`,
    };
  }
  const room = Math.floor((limit - RESERVE_BYTES) / 1.25 / MiB) * MiB;
  if (room >= MIN_BUDGET_BYTES) return { ok: true, maxBytes: Math.min(DEFAULT_BUDGET_BYTES, room) };
  return {
    ok: false,
    error:
      `this container's memory limit of ${mib(limit)} is under the ${mib(limitNeeded(MIN_BUDGET_BYTES))} ` +
      `the ingester needs (${mib(RESERVE_BYTES)} + 1.25 × the smallest budget, ${mib(MIN_BUDGET_BYTES)}): raise the limit`,
  };
}

/** The memory limit of this process's container (cgroup v1 or v2), or undefined when there is none. */
export function containerMemoryLimit(): number | undefined {
  const limit = process.constrainedMemory();
  return limit > 0 && limit < 2 ** 60 ? limit : undefined;
}
