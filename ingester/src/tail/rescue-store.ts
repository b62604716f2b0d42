// The rescue store: spans of traces decided "drop" stay here on disk for `tail.rescue.windowMs`, so a
// rating that arrives late (a user rates an answer minutes after the trace ended) can bring the whole
// trace back. Compact and bounded: one append-only file per minute holding each dropped trace as one
// record (the write-ahead log's framing, CRC-checked: `<tenant>/<trace id>` and the trace's spans as
// an export request), files older than the window deleted, the oldest deleted first past `maxBytes`.
// An in-memory index (trace → file, offset, length) finds a trace; its entries count against the
// ingester's byte budget. Dropped data is not promised to anyone, so appends are not synced.
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRecord, parseRecords } from '../wal/record.ts';

export interface RescueOptions {
  dir: string;
  windowMs: number;
  maxBytes: number;
}

interface Where {
  file: number;
  offset: number;
  length: number;
}

/** Bytes one index entry takes (key, location, map slot), held against the memory budget. */
export const RESCUE_ENTRY_BYTES = 160;
const FILE_MS = 60_000;
const NAME = /^(\d+)\.rescue$/;

export interface RescueStore {
  put(key: string, request: Buffer, spans: number, now: number): void;
  /** The trace's spans (an export request) if it is still in the window; it leaves the store. */
  take(key: string, now: number): Buffer | undefined;
  has(key: string): boolean;
  /** Deletes what is older than the window, and the oldest files past maxBytes. */
  prune(now: number): void;
  readonly entries: number;
  readonly bytes: number;
  close(): void;
}

export function openRescueStore(
  opts: RescueOptions,
  onEntries: (delta: number) => void = () => {},
): RescueStore {
  // What an earlier run left is not read back: its index is gone, and the window is short.
  rmSync(opts.dir, { recursive: true, force: true });
  mkdirSync(opts.dir, { recursive: true });
  const index = new Map<string, Where>();
  const files = new Map<number, { fd: number; size: number; keys: string[] }>(); // by start ms
  const path = (start: number) => join(opts.dir, `${start}.rescue`);
  let total = 0;

  const dropFile = (start: number) => {
    const f = files.get(start);
    if (!f) return;
    closeSync(f.fd);
    rmSync(path(start), { force: true });
    let gone = 0;
    for (const k of f.keys) {
      const w = index.get(k);
      if (w && w.file === start) {
        index.delete(k);
        gone++;
      }
    }
    if (gone) onEntries(-gone);
    total -= f.size;
    files.delete(start);
  };

  return {
    put(key, request, spans, now) {
      const start = now - (now % FILE_MS);
      let f = files.get(start);
      if (!f) {
        f = { fd: openSync(path(start), 'a+'), size: 0, keys: [] };
        files.set(start, f);
      }
      const rec = encodeRecord({ tenant: key, spans, request });
      writeSync(f.fd, rec, 0, rec.length, f.size);
      if (!index.has(key)) onEntries(1);
      index.set(key, { file: start, offset: f.size, length: rec.length });
      f.keys.push(key);
      f.size += rec.length;
      total += rec.length;
      if (total > opts.maxBytes) this.prune(now);
    },
    take(key, now) {
      const w = index.get(key);
      if (!w) return undefined;
      index.delete(key);
      onEntries(-1);
      if (w.file + FILE_MS + opts.windowMs < now) return undefined;
      const f = files.get(w.file);
      if (!f) return undefined;
      const buf = Buffer.alloc(w.length);
      readSync(f.fd, buf, 0, w.length, w.offset);
      const [rec] = parseRecords(buf).records;
      return rec?.tenant === key ? Buffer.from(rec.request) : undefined;
    },
    has(key) {
      return index.has(key);
    },
    prune(now) {
      const starts = [...files.keys()].sort((a, b) => a - b);
      for (const s of starts) if (s + FILE_MS + opts.windowMs < now) dropFile(s);
      // Past the byte bound, the oldest go (but not the file being written).
      for (const s of [...files.keys()].sort((a, b) => a - b)) {
        if (total <= opts.maxBytes || files.size <= 1) break;
        dropFile(s);
      }
    },
    get entries() {
      return index.size;
    },
    get bytes() {
      return total;
    },
    close() {
      for (const s of [...files.keys()]) dropFile(s);
      // Leftovers of a file that could not be removed are deleted at the next start.
      for (const f of readdirSync(opts.dir))
        if (NAME.test(f) && statSync(join(opts.dir, f)).isFile()) rmSync(join(opts.dir, f), { force: true });
    },
  };
}
