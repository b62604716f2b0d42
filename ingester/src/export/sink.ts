// Where accepted spans go: Tempo's distributor over OTLP/gRPC, the embedded store, or nowhere. A sink
// answers with a result rather than throwing, so the queue decides what a failure means.
import type { EncodedRequest } from '../otlp/encode-proto.ts';
import type { TraceBatch } from '../otlp/model.ts';
import type { PartialSuccess } from '../otlp/responses.ts';

export type ExportResult =
  /** Stored; `partial` is what the receiver says it dropped, `refused` the spans it can never take. */
  | { kind: 'success'; partial?: PartialSuccess; refused?: { batch: TraceBatch; reason: string } }
  | { kind: 'retryable'; reason: string; retryAfterMs?: number }
  /** The whole batch can never be stored (it goes to the dead-letter area). */
  | { kind: 'failure'; reason: string }
  /** The receiver refused the request for its size: smaller parts may pass. */
  | { kind: 'tooLarge'; reason: string };

export interface SpanSink {
  export(tenant: string, batch: TraceBatch): Promise<ExportResult>;
  /**
   * Sinks that send OTLP take requests already encoded (the write-ahead log's bytes) as they are;
   * requests one after another are one request.
   */
  exportEncoded?(tenant: string, requests: readonly EncodedRequest[]): Promise<ExportResult>;
  close(): Promise<void>;
}

/**
 * Accepts and discards (exporter kind `none`): for benchmarks of the receive path alone. It takes
 * requests encoded, as the OTLP sink does, so the queue holds what it holds in production (the bytes
 * to send, not the decoded spans) and only the sending is left out.
 */
export const discardSink: SpanSink = {
  export: async () => ({ kind: 'success' }),
  exportEncoded: async () => ({ kind: 'success' }),
  close: async () => {},
};
