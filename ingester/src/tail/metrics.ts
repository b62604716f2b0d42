// Metrics of trace-complete sampling, registered on the ingester's registry.
import { Counter, Gauge, type Registry } from 'prom-client';

export function createTailMetrics(registry: Registry) {
  return {
    decisions: new Counter({
      name: 'koder_ingester_trace_decisions_total',
      help: 'Traces decided (mode trace), by what made them due and the outcome. Triggers: root_quiet (root ended and the quiet period passed), agent_end (an agent run ended), max_age, max_spans, max_bytes, memory (decided early: the memory budget was full), shutdown (no write-ahead log to keep them in), replay_orphan (tenant gone)',
      labelNames: ['tenant', 'trigger', 'outcome'],
      registers: [registry],
    }),
    spansDecided: new Counter({
      name: 'koder_ingester_trace_decided_spans_total',
      help: 'Spans of decided traces, by outcome (kept, dropped)',
      labelNames: ['tenant', 'outcome'],
      registers: [registry],
    }),
    lateSpans: new Counter({
      name: 'koder_ingester_trace_late_spans_total',
      help: 'Spans arriving after their trace was decided, which followed the decision (kept, dropped)',
      labelNames: ['tenant', 'outcome'],
      registers: [registry],
    }),
    handedOff: new Counter({
      name: 'koder_ingester_trace_handed_off_spans_total',
      help: 'Buffered spans sent to the replica that owns their trace since the peer list changed',
      labelNames: ['tenant'],
      registers: [registry],
    }),
    rescued: new Counter({
      name: 'koder_ingester_trace_rescued_total',
      help: 'Dropped traces brought back whole from the rescue store by a rating inside the window',
      labelNames: ['tenant'],
      registers: [registry],
    }),
    ratingsTooLate: new Counter({
      name: 'koder_ingester_trace_rating_too_late_total',
      help: 'Ratings of dropped traces no longer in the rescue store (or with no store): the rating is kept, the trace is not',
      labelNames: ['tenant'],
      registers: [registry],
    }),
    rescueBytes: new Gauge({
      name: 'koder_ingester_trace_rescue_store_bytes',
      help: 'Disk used by the rescue store (spans of dropped traces within the rescue window)',
      registers: [registry],
    }),
    bufferedTraces: new Gauge({
      name: 'koder_ingester_trace_buffer_traces',
      help: 'Traces waiting for their decision',
      registers: [registry],
    }),
    lateLedgers: new Gauge({
      name: 'koder_ingester_trace_late_ledgers',
      help: 'Decided traces whose late spans wait for the next sweep to write their usage ledger span',
      registers: [registry],
    }),
    bufferedSpans: new Gauge({
      name: 'koder_ingester_trace_buffer_spans',
      help: 'Spans waiting for their trace decision',
      registers: [registry],
    }),
    bufferedBytes: new Gauge({
      name: 'koder_ingester_trace_buffer_bytes',
      help: 'Bytes of the memory budget held by the trace buffer, the decision cache and kept traces waiting for queue room',
      registers: [registry],
    }),
    cachedDecisions: new Gauge({
      name: 'koder_ingester_trace_decision_cache_entries',
      help: 'Trace decisions remembered for late spans',
      registers: [registry],
    }),
  };
}

export type TailMetrics = ReturnType<typeof createTailMetrics>;
