// The ingester's Prometheus metrics, made per process by createMetrics (no module-level state, so
// tests can run several ingesters in one process).
import { Counter, Gauge, Registry } from 'prom-client';

const USAGE = ['tenant', 'service', 'model', 'prompt_version'] as const;

/** The labels of koder_usage_* whose values come from clients, and so must be bounded. */
export type ClientLabel = 'service' | 'model' | 'prompt_version';
/** What a client-controlled label value is counted under once its tenant has used up its budget. */
export const OTHER_LABEL_VALUE = 'other';
/** Longest client-controlled label value kept, in UTF-16 code units; longer ones are cut. */
export const MAX_LABEL_VALUE_CHARS = 128;

/** `value` cut to MAX_LABEL_VALUE_CHARS, never between the two halves of a surrogate pair. */
export function capLabelValue(value: string): string {
  if (value.length <= MAX_LABEL_VALUE_CHARS) return value;
  const end = value.charCodeAt(MAX_LABEL_VALUE_CHARS - 1);
  return value.slice(0, end >= 0xd800 && end <= 0xdbff ? MAX_LABEL_VALUE_CHARS - 1 : MAX_LABEL_VALUE_CHARS);
}

/**
 * The distinct values one client-controlled label has kept for one tenant: first come, first kept, up
 * to the limit in force (read on every new value, so it follows config reloads; lowering it keeps the
 * values already admitted). Memory is bounded by limit × MAX_LABEL_VALUE_CHARS.
 */
export class LabelValues {
  readonly kept = new Set<string>();
  readonly #max: () => number;
  constructor(max: () => number) {
    this.#max = max;
  }
  /** The value to count under (cut to length), or undefined when the budget is spent (count as `other`). */
  admit(value: string): string | undefined {
    // The empty value (attribute absent) is one value whatever clients send: it is always kept.
    if (value === '') return value;
    const v = capLabelValue(value);
    if (this.kept.has(v)) return v;
    if (this.kept.size >= this.#max()) return undefined;
    this.kept.add(v);
    return v;
  }
}

/** Per tenant, the budget of each client-controlled usage label. Tenant ids come from the config. */
export class UsageLabelBudget {
  readonly #tenants = new Map<string, Record<ClientLabel, LabelValues>>();
  readonly #max: () => number;
  constructor(max: () => number) {
    this.#max = max;
  }
  forTenant(tenant: string): Record<ClientLabel, LabelValues> {
    let t = this.#tenants.get(tenant);
    if (!t) {
      t = {
        service: new LabelValues(this.#max),
        model: new LabelValues(this.#max),
        prompt_version: new LabelValues(this.#max),
      };
      this.#tenants.set(tenant, t);
    }
    return t;
  }
}

export interface MetricsOptions {
  /** `metrics.maxLabelValues` of the config in force (a getter, so reloads apply); default 500. */
  maxLabelValues?: () => number;
}

export function createMetrics(opts: MetricsOptions = {}) {
  const registry = new Registry();
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const gauge = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  // Read at each scrape from the write-ahead log, once there is one (app.ts sets it).
  const wal = { bytes: () => 0 };
  // Read at each scrape from the buffer pool (app.ts sets it).
  const pool = { taken: () => 0, kept: () => 0 };
  return {
    registry,
    wal,
    pool,
    requests: counter('koder_ingester_requests_total', 'Export requests by transport and outcome', [
      'transport',
      'code',
    ]),
    spansReceived: counter(
      'koder_ingester_spans_received_total',
      'Spans in requests that passed authentication',
      ['tenant'],
    ),
    spansRejected: counter(
      'koder_ingester_spans_rejected_total',
      'Spans refused back to the client, by reason',
      ['tenant', 'reason'],
    ),
    spansSampledOut: counter(
      'koder_ingester_spans_sampled_out_total',
      'Spans dropped by sampling (by design, not lost)',
      ['tenant'],
    ),
    spansKeptErrors: counter(
      'koder_ingester_spans_kept_errors_total',
      'Spans kept only because they are errors',
      ['tenant'],
    ),
    spansQueued: counter('koder_ingester_spans_queued_total', 'Spans accepted into the export queue', [
      'tenant',
    ]),
    attributesTruncated: counter(
      'koder_ingester_attributes_truncated_total',
      'Attribute values cut to the tenant limit',
      ['tenant'],
    ),
    spansExported: counter('koder_ingester_spans_exported_total', 'Spans delivered to storage', ['tenant']),
    spansExportFailed: counter(
      'koder_ingester_spans_export_failed_total',
      'Spans lost, by reason: permanent (storage refused the batch), partial_success (storage rejected some of its spans), shutdown_deadline (undelivered when the shutdown grace ran out); logged',
      ['tenant', 'reason'],
    ),
    exportRetries: counter('koder_ingester_export_retries_total', 'Export attempts that will be retried', [
      'tenant',
    ]),
    connectionsRefused: counter(
      'koder_ingester_connections_refused_total',
      'Connections closed on arrival for being over a limit (total or per client address)',
      ['receiver', 'reason'],
    ),
    bufferedBytes: gauge(
      'koder_ingester_buffered_bytes',
      'Bytes held against memory.maxBytes: request bodies in progress and spans waiting for storage',
      [],
    ),
    budgetBytes: gauge(
      'koder_ingester_memory_budget_bytes',
      "The memory budget in force: memory.maxBytes, or the size fitted to the container's memory limit",
      [],
    ),
    walBytes: new Gauge({
      name: 'koder_ingester_wal_bytes',
      help: 'Bytes of records in the write-ahead log for spans not yet stored (its directory also holds up to two spent segment files kept for reuse)',
      registers: [registry],
      collect() {
        this.set(wal.bytes());
      },
    }),
    pooledBytes: new Gauge({
      name: 'koder_ingester_pooled_bytes',
      help: 'Reused buffers for request bodies and export requests: out (leased) and kept for reuse (kept)',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        this.set({ state: 'leased' }, pool.taken());
        this.set({ state: 'kept' }, pool.kept());
      },
    }),
    walReplayedSpans: counter(
      'koder_ingester_wal_replayed_spans_total',
      'Spans an earlier run acknowledged and left in the write-ahead log, queued again at start',
      [],
    ),
    spansDeadLettered: counter(
      'koder_ingester_spans_dead_lettered_total',
      'Spans storage refused permanently, kept in the dead-letter area (re-drivable from the admin port)',
      ['tenant'],
    ),
    queueSpans: gauge('koder_ingester_queue_spans', 'Spans waiting in the export queue', []),
    usageSpans: counter('koder_usage_spans_total', 'Spans received, before sampling', [...USAGE]),
    usageTraces: counter('koder_usage_traces_total', 'Root spans received (one per trace), before sampling', [
      ...USAGE,
    ]),
    usageErrors: counter('koder_usage_errors_total', 'Error spans received, before sampling', [...USAGE]),
    usageTokens: counter('koder_usage_tokens_total', 'GenAI tokens reported by spans, before sampling', [
      ...USAGE,
      'type',
    ]),
    /** Which client-controlled usage label values are kept per tenant; the rest count as `other`. */
    usageLabels: new UsageLabelBudget(opts.maxLabelValues ?? (() => 500)),
    usageLabelsOverflowed: counter(
      'koder_usage_label_values_overflowed_total',
      'Spans counted in koder_usage_* under label value "other" because the tenant already had metrics.maxLabelValues distinct values of that label',
      ['tenant', 'label'],
    ),
    registryDelivered: counter(
      'koder_ingester_registry_deliveries_total',
      "Ratings delivered to the tenant's prompt registry (2xx)",
      ['tenant'],
    ),
    registryRetries: counter(
      'koder_ingester_registry_delivery_retries_total',
      'Prompt-registry delivery attempts that failed and will be retried (5xx, 408, 429, no answer)',
      ['tenant'],
    ),
    registryDeadLettered: counter(
      'koder_ingester_registry_deliveries_dead_lettered_total',
      "Prompt-registry deliveries given up, by reason: refused (a 4xx), expired (past maxAgeMs), no_registry (tenant lost its registry); kept in the outbox's dead/ folder",
      ['tenant', 'reason'],
    ),
    registryRefused: counter(
      'koder_ingester_registry_deliveries_refused_total',
      'Ratings accepted but not put in the prompt-registry outbox, by reason: full (byte cap), disk (write failed), memory (the memory budget is full); logged',
      ['tenant', 'reason'],
    ),
    registryPending: gauge(
      'koder_ingester_registry_deliveries_pending',
      'Ratings in the prompt-registry outbox waiting for delivery',
      ['tenant'],
    ),
    registryOutboxBytes: gauge(
      'koder_ingester_registry_outbox_bytes',
      'Bytes of the prompt-registry outbox, held against promptRegistry.maxBytes',
      [],
    ),
    configReloads: counter('koder_ingester_config_reloads_total', 'Config file reloads by result', [
      'result',
    ]),
    configValid: gauge(
      'koder_ingester_config_valid',
      '1 when the config file on disk is in force, 0 when it was refused',
      [],
    ),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
