// The write-ahead log: what the ingester accepts is appended here before the client hears 200/OK, and
// stays until storage has taken it, so a crash or a restart loses nothing acknowledged.
//
// Segments are files `<seq>.wal` in one directory; a run appends only to a new segment of its own.
// Appends arriving while a write is under way are written together and synced once (group commit).
// Every record holds a reference on its segment; the queue passes references on to the items it
// makes and returns them when the items leave (stored or dead-lettered). A segment no one references
// any more, and no longer appended to, is deleted — a step at a time (free-gradually.ts), so the
// appends' syncs never wait for the disk to free a whole segment. On start, older segments are read
// back (replayed); a torn or corrupt tail is cut off, never a crash.
import {
  closeSync,
  fdatasync,
  ftruncate,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writev,
} from 'node:fs';
import { join } from 'node:path';
import { gradualFreer, removeLeftovers } from './free-gradually.ts';
import { encodeRecordParts, parseRecords, type WalRecord } from './record.ts';

export type Durability = 'fsync' | 'batch';

export interface WalOptions {
  dir: string;
  /** fsync: a record is durable once synced to disk; batch: once written (synced every syncIntervalMs). */
  durability: Durability;
  /** A segment takes no more appends past this size. */
  segmentBytes: number;
  syncIntervalMs: number;
}

export interface ReplayedRecord extends WalRecord {
  segment: number;
}

export interface Wal {
  /** Records earlier runs left, oldest first; each holds one reference on its segment. */
  readonly replayed: readonly ReplayedRecord[];
  /** Problems found while reading the old segments (cut tails), for the log. */
  readonly problems: readonly string[];
  /** Appends a record; resolves with its segment once durable (holding one reference on it). */
  append(record: WalRecord): Promise<number>;
  ref(segment: number, n: number): void;
  release(segment: number): void;
  /** Bytes in segments on disk. */
  readonly bytes: number;
  /** Resolves once the segments released so far are gone from disk (tests). */
  freed(): Promise<void>;
  close(): Promise<void>;
}

const NAME = /^(\d{12})\.wal$/;
/** The longest a segment takes appends. */
const ROTATE_MS = 1000;
const fileOf = (dir: string, seq: number) => join(dir, `${String(seq).padStart(12, '0')}.wal`);

interface Pending {
  /** The record's frame and header, then its request bytes (written as they are, not copied). */
  parts: [Buffer, Buffer];
  resolve: (segment: number) => void;
  reject: (err: Error) => void;
}

export function openWal(opts: WalOptions): Wal {
  mkdirSync(opts.dir, { recursive: true });
  removeLeftovers(opts.dir);
  const freer = gradualFreer();
  const refs = new Map<number, number>();
  const sizes = new Map<number, number>();
  const replayed: ReplayedRecord[] = [];
  const problems: string[] = [];

  const existing = readdirSync(opts.dir)
    .map((f) => NAME.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  for (const seq of existing) {
    const file = fileOf(opts.dir, seq);
    const buf = readFileSync(file);
    const parsed = parseRecords(buf);
    if (parsed.problem) {
      // What follows the last whole record was never acknowledged (or is damaged): cut it off.
      problems.push(`${file}: ${parsed.problem} at byte ${parsed.goodLength} of ${buf.length}; cut there`);
      const fd = openSync(file, 'r+');
      try {
        ftruncateSync(fd, parsed.goodLength);
      } finally {
        closeSync(fd);
      }
    }
    if (parsed.records.length === 0) {
      unlinkSync(file);
      continue;
    }
    sizes.set(seq, parsed.goodLength);
    refs.set(seq, parsed.records.length);
    for (const r of parsed.records) replayed.push({ ...r, request: Buffer.from(r.request), segment: seq });
  }

  let active = (existing.at(-1) ?? 0) + 1;
  let fd = openSync(fileOf(opts.dir, active), 'a');
  let size = 0;
  sizes.set(active, 0);
  let pending: Pending[] = [];
  let writing = false;
  let closed = false;
  let unsynced = false;

  /**
   * Deletes a segment no one needs any more. In the background, a step at a time, but for the last
   * one at close: freeing tens of megabytes of file at once stalls the next sync of the live segment.
   * A segment whose deletion a crash interrupts before it is renamed is replayed once more
   * (duplicates, never loss).
   */
  const maybeDelete = (seq: number, sync = false) => {
    if (seq === active || (refs.get(seq) ?? 0) > 0) return;
    refs.delete(seq);
    sizes.delete(seq);
    const file = fileOf(opts.dir, seq);
    if (!sync) return freer.free(file);
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  };

  let openedAt = Date.now();
  /** Starts a new segment; if it cannot be created (a full disk), appends go on into the current one. */
  const rotate = () => {
    openedAt = Date.now();
    let next: number;
    try {
      next = openSync(fileOf(opts.dir, active + 1), 'a');
    } catch {
      return;
    }
    closeSync(fd);
    const old = active;
    active++;
    fd = next;
    size = 0;
    sizes.set(active, 0);
    maybeDelete(old);
  };

  /** Writes everything pending as one group, syncs it (fsync mode), then settles the group. */
  function flush(): void {
    if (writing || pending.length === 0) return;
    writing = true;
    const group = pending;
    pending = [];
    const before = size;
    const segment = active;
    const done = (err: Error | null) => {
      writing = false;
      if (err) {
        // A partly written group is cut off, so the segment stays a sequence of whole records.
        ftruncate(fd, before, () => {
          for (const p of group) p.reject(err);
          flush();
        });
        return;
      }
      size += bytes;
      sizes.set(segment, size);
      refs.set(segment, (refs.get(segment) ?? 0) + group.length);
      for (const p of group) p.resolve(segment);
      if (size >= opts.segmentBytes || Date.now() - openedAt >= ROTATE_MS) rotate();
      flush();
    };
    const bytes = group.reduce((n, p) => n + p.parts[0].length + p.parts[1].length, 0);
    writev(
      fd,
      group.flatMap((p) => p.parts),
      (err, written) => {
        if (err) return done(err);
        // A short write means the disk filled up part way.
        if (written !== bytes)
          return done(Object.assign(new Error('short write (disk full?)'), { code: 'ENOSPC' }));
        if (opts.durability === 'batch') {
          unsynced = true;
          return done(null);
        }
        fdatasync(fd, (syncErr) => done(syncErr));
      },
    );
  }

  // A segment is deleted only once it takes no more appends: rotating at least every second bounds
  // what a crash replays twice to about a second of traffic.
  const ageTimer = setInterval(() => {
    if (!writing && !closed && size > 0 && Date.now() - openedAt >= ROTATE_MS) rotate();
  }, ROTATE_MS);
  ageTimer.unref();

  const syncTimer =
    opts.durability === 'batch'
      ? setInterval(() => {
          if (!unsynced || writing) return;
          unsynced = false;
          fdatasync(fd, () => {});
        }, opts.syncIntervalMs)
      : undefined;
  syncTimer?.unref();

  return {
    replayed,
    problems,
    append(record) {
      if (closed) return Promise.reject(new Error('write-ahead log closed'));
      return new Promise((resolve, reject) => {
        pending.push({ parts: encodeRecordParts(record), resolve, reject });
        // Appends of this turn of the event loop join the group.
        if (!writing) setImmediate(flush);
      });
    },
    ref(segment, n) {
      if (n > 0) refs.set(segment, (refs.get(segment) ?? 0) + n);
    },
    release(segment) {
      const left = (refs.get(segment) ?? 0) - 1;
      refs.set(segment, Math.max(0, left));
      if (left <= 0) maybeDelete(segment);
    },
    get bytes() {
      let n = 0;
      for (const s of sizes.values()) n += s;
      return n;
    },
    freed: () => freer.idle(),
    async close() {
      closed = true;
      if (syncTimer) clearInterval(syncTimer);
      clearInterval(ageTimer);
      while (writing || pending.length) await new Promise((r) => setTimeout(r, 1));
      await new Promise<void>((resolve) => fdatasync(fd, () => resolve()));
      closeSync(fd);
      // The last segment takes no more appends either: gone if nothing in it is still referenced.
      const last = active;
      active = -1;
      maybeDelete(last, true);
      // No deletion left half done behind us (one would be finished at the next open anyway).
      await freer.idle();
    },
  };
}
