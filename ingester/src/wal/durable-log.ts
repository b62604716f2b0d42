// What the stages that make spans durable need of the write-ahead log (wal.ts implements it): the
// pipeline appends before a client hears OK; the trace buffer also appends kept traces again.

import type { WalEntry } from './record.ts';

/** Where accepted spans are made durable before they are acknowledged. */
export interface DurableLog {
  /** Resolves with the segment holding the record once it is durable. */
  append(record: WalEntry): Promise<number>;
}
