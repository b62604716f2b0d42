// What the stages that make spans durable need of the write-ahead log (wal.ts implements it): the
// pipeline appends before a client hears OK; the trace buffer also appends kept traces again.

/** Where accepted spans are made durable before they are acknowledged. */
export interface DurableLog {
  /** Resolves with the segment holding the record once it is durable. */
  append(record: { tenant: string; spans: number; request: Buffer; pending?: boolean }): Promise<number>;
}
