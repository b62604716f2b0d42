// The durable outbox of prompt-registry deliveries: one small file per delivery under <dir>/pending,
// written and synced before the rating is acknowledged, removed once the registry has it; refused
// deliveries move to <dir>/dead with the reason. A restart reads <dir>/pending back. Bounded by a byte
// cap: past it a delivery is refused (counted and logged), the rating span itself is still stored.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface OutboxEntry {
  id: string;
  tenant: string;
  /** The JSON body, exactly as it is signed and sent (every retry sends the same bytes). */
  body: string;
  /** When it was accepted (ms): deliveries older than the outbox's maxAgeMs are dead-lettered. */
  acceptedAt: number;
}

export interface Outbox {
  /** Entries an earlier run left undelivered (read at open). */
  readonly replayed: OutboxEntry[];
  readonly bytes: number;
  /** Makes the entry durable; rejects when over the byte cap or the disk fails. */
  add(entry: OutboxEntry): Promise<void>;
  remove(id: string): Promise<void>;
  deadLetter(id: string, reason: string): Promise<void>;
}

const fileOf = (id: string) => `${id}.json`;
const SAFE_ID = /^[0-9a-f]{32}$/;

async function writeSynced(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

/** A file outbox under `dir`, or, with no dir, one in memory (lost on restart; the docs say so). */
export function openOutbox(dir: string, maxBytes: number): Outbox {
  const sizes = new Map<string, number>();
  const replayed: OutboxEntry[] = [];
  let bytes = 0;
  const pending = join(dir, 'pending');
  const dead = join(dir, 'dead');
  if (dir) {
    mkdirSync(pending, { recursive: true });
    mkdirSync(dead, { recursive: true });
    for (const name of readdirSync(pending).sort()) {
      const path = join(pending, name);
      // A half-written file from a crash before its rename: never acknowledged, so not a delivery.
      if (name.endsWith('.tmp')) {
        unlinkSync(path);
        continue;
      }
      try {
        const e = JSON.parse(readFileSync(path, 'utf8')) as OutboxEntry;
        if (!SAFE_ID.test(e.id) || typeof e.body !== 'string') throw new Error('not an outbox entry');
        const size = statSync(path).size;
        sizes.set(e.id, size);
        bytes += size;
        replayed.push(e);
      } catch {
        renameSync(path, join(dead, `${name}.unreadable`));
      }
    }
  }
  return {
    replayed,
    get bytes() {
      return bytes;
    },
    async add(entry) {
      if (!SAFE_ID.test(entry.id)) throw new Error(`bad delivery id ${entry.id}`);
      const text = JSON.stringify(entry);
      const size = Buffer.byteLength(text);
      if (sizes.has(entry.id)) return; // the same rating sent again: one delivery
      if (bytes + size > maxBytes) throw new Error(`outbox full (${bytes} of ${maxBytes} bytes)`);
      sizes.set(entry.id, size);
      bytes += size;
      if (!dir) return;
      try {
        await writeSynced(join(pending, fileOf(entry.id)), text);
      } catch (err) {
        sizes.delete(entry.id);
        bytes -= size;
        throw err;
      }
    },
    async remove(id) {
      const size = sizes.get(id);
      if (size === undefined) return;
      sizes.delete(id);
      bytes -= size;
      if (dir) await unlink(join(pending, fileOf(id))).catch(() => undefined);
    },
    async deadLetter(id, reason) {
      const size = sizes.get(id);
      if (size === undefined) return;
      sizes.delete(id);
      bytes -= size;
      if (!dir) return;
      const from = join(pending, fileOf(id));
      const entry = JSON.parse(readFileSync(from, 'utf8')) as OutboxEntry;
      await writeSynced(join(dead, fileOf(id)), JSON.stringify({ ...entry, reason, deadAt: Date.now() }));
      await unlink(from).catch(() => undefined);
    },
  };
}
