// The write-ahead log: what the ingester accepts is appended here before the client hears 200/OK, and
// stays until storage has taken it, so a crash or a restart loses nothing acknowledged.
//
// Segments are files `<seq>.wal` in one directory (segment.ts); a run appends only to segments of its
// own. Appends arriving while a write is under way are written together and synced once (group
// commit). Every record holds a reference on its segment; the queue passes references on to the items
// it makes and returns them when the items leave (stored or dead-lettered). A segment no one
// references any more, and no longer appended to, is kept as a spare file (up to MAX_SPARES) that a
// later segment is written over, as etcd and PostgreSQL reuse theirs: syncing writes into blocks the
// file already has costs a data flush, where freeing a file stalls the next sync behind the journal
// (and, on disks mounted with `discard`, the trim). bench/wal-append.ts: append p99 4.3–5.5 ms here,
// 1.1–1.4× the disk's floor, against 12.5–16.5 ms with every spent file freed. Files beyond the spares
// are freed a step at a time (free-gradually.ts). The next segment is made ready (header written and
// synced, directory synced) before it is needed, so rotating costs the appends nothing. On start, older
// segments are read back (replayed); a torn or corrupt tail is cut off, never a crash.
import {
  close,
  closeSync,
  fdatasync,
  fsync,
  ftruncate,
  ftruncateSync,
  mkdirSync,
  open,
  openSync,
  readdirSync,
  readFileSync,
  rename,
  renameSync,
  write,
  writev,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gradualFreer, removeLeftovers } from './free-gradually.ts';
import { END_FRAME, encodeRecordParts, type WalEntry, type WalRecord } from './record.ts';
import { parseSegment, SEGMENT_HEADER, seedOf, segmentStart } from './segment.ts';

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
  append(record: WalEntry): Promise<number>;
  ref(segment: number, n: number): void;
  release(segment: number): void;
  /** Bytes in segments on disk. */
  readonly bytes: number;
  /** Resolves once the segments released so far are gone from disk (tests). */
  freed(): Promise<void>;
  close(): Promise<void>;
}

const NAME = /^(\d{12})\.wal$/;
/** A spent segment's file, kept to be written over by a later segment. */
const SPARE_SUFFIX = '.spare';
const SPARE_NAME = /(\d{12})\.wal\.spare$/;
/** Spare files kept: enough for a segment made while another is spent, at any steady rate. */
const MAX_SPARES = 2;
/** The longest a segment takes appends. */
const ROTATE_MS = 1000;
const fileOf = (dir: string, seq: number) => join(dir, `${String(seq).padStart(12, '0')}.wal`);

const openAsync = promisify(open);
const writeAsync = promisify(write);
const datasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);
const renameAsync = promisify(rename);
const closeAsync = promisify(close);

interface Pending {
  /** Framed when its group is written, under that segment's checksum seed. */
  record: WalEntry;
  resolve: (segment: number) => void;
  reject: (err: Error) => void;
}

export async function openWal(opts: WalOptions): Promise<Wal> {
  mkdirSync(opts.dir, { recursive: true });
  removeLeftovers(opts.dir);
  const freer = gradualFreer();
  const dirFd = openSync(opts.dir, 'r');
  const refs = new Map<number, number>();
  const sizes = new Map<number, number>();
  const replayed: ReplayedRecord[] = [];
  const problems: string[] = [];
  const spares: string[] = [];

  /** Keeps a file no segment needs as a spare, or frees it if there are spares enough. */
  const retire = (file: string) => {
    if (spares.length < MAX_SPARES) {
      const spare = file.endsWith(SPARE_SUFFIX) ? file : `${file}${SPARE_SUFFIX}`;
      try {
        // Out of the log's name pattern first: a crash from here on does not replay it.
        if (spare !== file) renameSync(file, spare);
        spares.push(spare);
        return;
      } catch {
        // gone, or cannot be renamed: freed below
      }
    }
    freer.free(file);
  };

  const names = readdirSync(opts.dir);
  for (const f of names) if (f.endsWith(SPARE_SUFFIX)) retire(join(opts.dir, f));
  const existing = names
    .map((f) => NAME.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  for (const seq of existing) {
    const file = fileOf(opts.dir, seq);
    const buf = readFileSync(file);
    const parsed = parseSegment(buf);
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
      retire(file);
      continue;
    }
    sizes.set(seq, parsed.goodLength);
    refs.set(seq, parsed.records.length);
    for (const r of parsed.records) replayed.push({ ...r, request: Buffer.from(r.request), segment: seq });
  }

  /**
   * Makes segment `seq` ready to take records: a spare file written over, or a new one. Its header is
   * synced before it is renamed into the log's pattern, and the directory after, so a crash never
   * leaves a file under a segment's name with an earlier segment's records readable in it.
   */
  async function makeSegment(seq: number): Promise<number> {
    const file = fileOf(opts.dir, seq);
    const spare = spares.pop();
    let at = spare ?? file;
    const fd = await openAsync(at, spare ? 'r+' : 'w');
    try {
      const start = segmentStart(seq);
      await writeAsync(fd, start, 0, start.length, 0);
      await datasyncAsync(fd);
      if (spare) {
        await renameAsync(spare, file);
        at = file;
      }
      await fsyncAsync(dirFd);
      return fd;
    } catch (err) {
      await closeAsync(fd);
      // Under the segment's name it holds no records: the next try writes over it.
      if (at !== file) freer.free(at);
      throw err;
    }
  }

  // Numbers only go up, past the spares' too: a file is never written under a number (a checksum
  // seed) it held before.
  const highest = Math.max(0, ...existing, ...spares.map((f) => Number(SPARE_NAME.exec(f)?.[1] ?? 0)));
  let active = highest + 1;
  let fd = await makeSegment(active);
  let size = 0;
  sizes.set(active, 0);
  let pending: Pending[] = [];
  let writing = false;
  let closed = false;
  let unsynced = false;

  /** The segment made ready to follow the active one, and the making of it under way. */
  let next: { seq: number; fd: number } | undefined;
  let preparing: Promise<void> | undefined;
  /** Starts making the next segment; if it cannot be made (a full disk), appends go on into the
   * active one and the age timer tries again. */
  const prepare = () => {
    if (next || preparing || closed) return;
    const seq = active + 1;
    preparing = makeSegment(seq).then(
      (made) => {
        preparing = undefined;
        next = { seq, fd: made };
        flush();
      },
      () => {
        preparing = undefined;
        flush();
      },
    );
  };

  /**
   * A segment no one needs any more is retired; a crash before its rename replays it once more
   * (duplicates, never loss).
   */
  const maybeRetire = (seq: number) => {
    if (seq === active || (refs.get(seq) ?? 0) > 0) return;
    refs.delete(seq);
    sizes.delete(seq);
    retire(fileOf(opts.dir, seq));
  };

  let openedAt = Date.now();
  // A segment is retired only once it takes no more appends: rotating at least every second bounds
  // what a crash replays twice to about a second of traffic.
  const due = () => size >= opts.segmentBytes || (size > 0 && Date.now() - openedAt >= ROTATE_MS);
  /** Moves appends on to the segment made ready for them. */
  const rotate = (to: { seq: number; fd: number }) => {
    closeSync(fd);
    const old = active;
    active = to.seq;
    fd = to.fd;
    next = undefined;
    size = 0;
    sizes.set(active, 0);
    openedAt = Date.now();
    maybeRetire(old);
    prepare();
  };

  /** Writes everything pending as one group, syncs it (fsync mode), then settles the group. */
  function flush(): void {
    if (writing || pending.length === 0) return;
    if (due()) {
      if (next) rotate(next);
      else if (preparing) return; // the next segment is nearly ready; its making flushes
    }
    writing = true;
    const group = pending;
    pending = [];
    const before = size;
    const segment = active;
    const seed = seedOf(segment);
    const done = (err: Error | null) => {
      writing = false;
      if (err) {
        // A partly written group is cut off, so the segment stays a sequence of whole records.
        ftruncate(fd, SEGMENT_HEADER + before, () => {
          for (const p of group) p.reject(err);
          flush();
        });
        return;
      }
      size += bytes;
      sizes.set(segment, size);
      refs.set(segment, (refs.get(segment) ?? 0) + group.length);
      for (const p of group) p.resolve(segment);
      flush();
    };
    const buffers: Uint8Array[] = [];
    let bytes = 0;
    for (const p of group) {
      for (const part of encodeRecordParts(p.record, seed)) {
        buffers.push(part);
        bytes += part.length;
      }
    }
    // The end frame after the group; the next group is written over it.
    buffers.push(END_FRAME);
    writev(fd, buffers, SEGMENT_HEADER + before, (err, written) => {
      if (err) return done(err);
      // A short write means the disk filled up part way.
      if (written !== bytes + END_FRAME.length)
        return done(Object.assign(new Error('short write (disk full?)'), { code: 'ENOSPC' }));
      if (opts.durability === 'batch') {
        unsynced = true;
        return done(null);
      }
      fdatasync(fd, (syncErr) => done(syncErr));
    });
  }

  const ageTimer = setInterval(() => {
    if (closed) return;
    if (!next) prepare();
    else if (!writing && due()) rotate(next);
  }, ROTATE_MS);
  ageTimer.unref();
  prepare();

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
        pending.push({ record, resolve, reject });
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
      if (left <= 0) maybeRetire(segment);
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
      while (writing || pending.length || preparing) await new Promise((r) => setTimeout(r, 1));
      await new Promise<void>((resolve) => fdatasync(fd, () => resolve()));
      closeSync(fd);
      // The last segment takes no more appends either: retired if nothing in it is still referenced,
      // and so is the one made ready for it.
      const last = active;
      active = -1;
      maybeRetire(last);
      if (next) {
        closeSync(next.fd);
        retire(fileOf(opts.dir, next.seq));
      }
      closeSync(dirFd);
      // No deletion left half done behind us (one would be finished at the next open anyway).
      await freer.idle();
    },
  };
}
