// The durable outbox of prompt-registry deliveries: one small file per delivery under <dir>/pending,
// written and synced before the rating is acknowledged, removed once the registry has it; refused
// deliveries move to <dir>/dead with the reason. A restart reads <dir>/pending back. Bounded by a byte
// cap: past it a delivery is refused (counted and logged), the rating span itself is still stored.
// With a dir, bodies stay on disk and are read when sent: memory holds one small item per delivery.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface OutboxEntry {
  id: string;
  tenant: string;
  /** The JSON body, exactly as it is signed and sent (every retry sends the same bytes). */
  body: string;
  /** When it was accepted (ms): deliveries older than the outbox's maxAgeMs are dead-lettered. */
  acceptedAt: number;
}

/** A delivery as memory holds it: everything but its body. */
export interface OutboxItem extends Omit<OutboxEntry, 'body'> {
  /** Its size in the outbox (the file, or the entry in memory). */
  bytes: number;
}

export interface Outbox {
  /** Deliveries an earlier run left undelivered (read at open). */
  readonly replayed: OutboxItem[];
  readonly bytes: number;
  /** Whether bodies are held in memory (no dir) rather than read from disk when sent. */
  readonly inMemory: boolean;
  /** Makes the entry durable; rejects when over the byte cap or the disk fails. */
  add(entry: OutboxEntry): Promise<OutboxItem>;
  /** The body to send. */
  body(id: string): Promise<string>;
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

const itemOf = ({ body: _, ...rest }: OutboxEntry, bytes: number): OutboxItem => ({ ...rest, bytes });

/** A file outbox under `dir`, or, with no dir, one in memory (lost on restart; the docs say so). */
export function openOutbox(dir: string, maxBytes: number): Outbox {
  const sizes = new Map<string, number>();
  /** Bodies, without a dir only. */
  const bodies = new Map<string, string>();
  const replayed: OutboxItem[] = [];
  let bytes = 0;
  const pending = join(dir, 'pending');
  const dead = join(dir, 'dead');
  const read = async (id: string) =>
    JSON.parse(await readFile(join(pending, fileOf(id)), 'utf8')) as OutboxEntry;
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
        if (!SAFE_ID.test(e.id) || typeof e.body !== 'string' || `${e.id}.json` !== name)
          throw new Error('not an outbox entry');
        const size = statSync(path).size;
        sizes.set(e.id, size);
        bytes += size;
        replayed.push(itemOf(e, size));
      } catch {
        renameSync(path, join(dead, `${name}.unreadable`));
      }
    }
  }
  const forget = (id: string): boolean => {
    const size = sizes.get(id);
    if (size === undefined) return false;
    sizes.delete(id);
    bodies.delete(id);
    bytes -= size;
    return true;
  };
  return {
    replayed,
    get bytes() {
      return bytes;
    },
    inMemory: !dir,
    async add(entry) {
      if (!SAFE_ID.test(entry.id)) throw new Error(`bad delivery id ${entry.id}`);
      const text = JSON.stringify(entry);
      const size = Buffer.byteLength(text);
      const item = itemOf(entry, size);
      if (sizes.has(entry.id)) return item; // the same rating sent again: one delivery
      if (bytes + size > maxBytes) throw new Error(`outbox full (${bytes} of ${maxBytes} bytes)`);
      sizes.set(entry.id, size);
      bytes += size;
      if (!dir) {
        bodies.set(entry.id, entry.body);
        return item;
      }
      try {
        await writeSynced(join(pending, fileOf(entry.id)), text);
      } catch (err) {
        forget(entry.id);
        throw err;
      }
      return item;
    },
    async body(id) {
      if (dir) return (await read(id)).body;
      const held = bodies.get(id);
      if (held === undefined) throw new Error(`no delivery ${id} in the outbox`);
      return held;
    },
    async remove(id) {
      if (forget(id) && dir) await unlink(join(pending, fileOf(id))).catch(() => undefined);
    },
    async deadLetter(id, reason) {
      if (!forget(id) || !dir) return;
      const entry = await read(id);
      await writeSynced(join(dead, fileOf(id)), JSON.stringify({ ...entry, reason, deadAt: Date.now() }));
      await unlink(join(pending, fileOf(id))).catch(() => undefined);
    },
  };
}
