// Where accepted spans go: Tempo's distributor over OTLP/gRPC, the embedded store, or nowhere. A sink
// answers with a result rather than throwing, so the queue decides what a failure means.
import type { TraceBatch } from '../otlp/model.ts';
import type { PartialSuccess } from '../otlp/responses.ts';

export type ExportResult =
  | { kind: 'success'; partial?: PartialSuccess }
  | { kind: 'retryable'; reason: string; retryAfterMs?: number }
  | { kind: 'failure'; reason: string };

export interface SpanSink {
  export(tenant: string, batch: TraceBatch): Promise<ExportResult>;
  close(): Promise<void>;
}

/** Accepts and discards (exporter kind `none`): for benchmarks of the receive path alone. */
export const discardSink: SpanSink = {
  export: async () => ({ kind: 'success' }),
  close: async () => {},
};
