// The dead-letter area: batches that storage refused permanently are written here (one OTLP protobuf
// request per file, with a small JSON note of tenant, reason and time) instead of being retried forever
// or dropped. An operator reads the reasons, fixes the cause and re-drives them from the admin port.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { encodeTraceRequest } from '../otlp/encode-proto.ts';
import { spanCount, type TraceBatch } from '../otlp/model.ts';

export interface DeadLetterEntry {
  /** File name (without extension) inside the tenant's folder. */
  id: string;
  tenant: string;
  spans: number;
  reason: string;
  at: string;
}

export interface DeadLetter {
  /** Keeps a refused batch; returns false when it could not be written (the caller logs the loss). */
  put(tenant: string, batch: TraceBatch, reason: string): boolean;
  list(): DeadLetterEntry[];
  /**
   * Offers every kept batch to `offer` (oldest first), deleting each one taken; stops at the first
   * refusal (a full queue). Returns what was re-driven and what is left.
   */
  redrive(offer: (tenant: string, batch: TraceBatch, spans: number) => boolean): {
    batches: number;
    spans: number;
    left: number;
  };
}

/** Writes the file whole under a temporary name, syncs it, then gives it its name. */
function writeDurably(path: string, data: Buffer): void {
  const fd = openSync(`${path}.tmp`, 'w');
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${path}.tmp`, path);
}

// Tenant ids are validated by the config schema (^[a-zA-Z0-9][a-zA-Z0-9._-]*$): safe as folder names.
export function createDeadLetter(dir: string): DeadLetter {
  let seq = 0;
  const notes = (): DeadLetterEntry[] => {
    const out: DeadLetterEntry[] = [];
    let tenants: string[];
    try {
      tenants = readdirSync(dir);
    } catch {
      return out;
    }
    for (const tenant of tenants.sort()) {
      for (const f of readdirSync(join(dir, tenant)).sort()) {
        if (!f.endsWith('.json')) continue;
        try {
          out.push(JSON.parse(readFileSync(join(dir, tenant, f), 'utf8')) as DeadLetterEntry);
        } catch {
          // a note being written right now, or damaged: its batch stays for a later look
        }
      }
    }
    return out;
  };
  return {
    put(tenant, batch, reason) {
      try {
        const folder = join(dir, tenant);
        mkdirSync(folder, { recursive: true });
        const id = `${Date.now()}-${process.pid}-${seq++}`;
        const entry: DeadLetterEntry = {
          id,
          tenant,
          spans: spanCount(batch),
          reason,
          at: new Date().toISOString(),
        };
        // The batch first, then its note: a note always has its batch. Each written whole, then renamed.
        // Synced before the write-ahead log may forget the batch.
        writeDurably(join(folder, `${id}.pb`), encodeTraceRequest(batch));
        writeDurably(join(folder, `${id}.json`), Buffer.from(JSON.stringify(entry)));
        return true;
      } catch {
        return false;
      }
    },
    list: notes,
    redrive(offer) {
      const entries = notes();
      let batches = 0;
      let spans = 0;
      for (const e of entries) {
        const base = join(dir, e.tenant, e.id);
        let batch: TraceBatch;
        try {
          batch = decodeTraceRequest(readFileSync(`${base}.pb`));
        } catch {
          continue; // unreadable: left where it is, listed, for a person to look at
        }
        const n = spanCount(batch);
        if (!offer(e.tenant, batch, n)) break;
        rmSync(`${base}.json`, { force: true });
        rmSync(`${base}.pb`, { force: true });
        batches++;
        spans += n;
      }
      return { batches, spans, left: entries.length - batches };
    },
  };
}
