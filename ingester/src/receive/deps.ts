// What both OTLP receivers (gRPC and HTTP) are built from, and the one error mapping they share.
import type { Logger } from 'pino';
import { IngestError } from '../errors.ts';
import type { BufferPool } from '../memory/buffer-pool.ts';
import type { ByteBudget } from '../memory/byte-budget.ts';
import type { Metrics } from '../metrics.ts';
import { OtlpDecodeError } from '../otlp/decode-error.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import type { TenantRegistry } from '../tenants/registry.ts';

export interface ReceiverDeps {
  /** The current registry (replaced on config reload). */
  registry: () => TenantRegistry;
  pipeline: Pipeline;
  metrics: Metrics;
  log: Logger;
  isShuttingDown: () => boolean;
  /** The memory budget request bodies are held against while they are read and processed. */
  budget?: ByteBudget;
  /** Where bodies and gRPC messages read in several chunks are joined. */
  pool?: BufferPool;
}

/** Runs a request decoder; a malformed request becomes the BAD_DATA error sent to the client. */
export function decodeOrBadData<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw new IngestError('BAD_DATA', err.message);
    throw err;
  }
}
