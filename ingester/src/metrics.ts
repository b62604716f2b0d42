// The ingester's Prometheus metrics, made per process by createMetrics (no module-level state, so
// tests can run several ingesters in one process).
import { Counter, Gauge, Registry } from 'prom-client';

const USAGE = ['tenant', 'service', 'model', 'prompt_version'] as const;

export function createMetrics() {
  const registry = new Registry();
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const gauge = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  return {
    registry,
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
