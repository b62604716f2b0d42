// The operator's Prometheus metrics, made per process by createMetrics (no module-level state, so
// tests can run several operators in one process).
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

export interface OperatorMetrics {
  registry: Registry;
  /** Reconcile runs by result (ok, error). */
  reconciles: Counter<'result'>;
  /** Every write the API server accepted: objects, statuses, deletions and Events. */
  writes: Counter;
}

export function createMetrics(): OperatorMetrics {
  const registry = new Registry();
  // process_resident_memory_bytes, heap sizes, event loop lag: what the memory goals are checked with.
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    reconciles: new Counter({
      name: 'koder_operator_reconciles_total',
      help: 'Reconcile runs by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    writes: new Counter({
      name: 'koder_operator_writes_total',
      help: 'Objects, statuses and Events written',
      registers: [registry],
    }),
  };
}
