import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWal } from './wal.ts';

const root = mkdtempSync(join(tmpdir(), 'koder-wal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const options = (dir: string) => ({
  dir,
  durability: 'fsync' as const,
  segmentBytes: 1024 * 1024,
  syncIntervalMs: 50,
});
const rec = (i: number) => ({ tenant: 't', spans: i, request: Buffer.alloc(100, i) });
const segments = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.wal'));

describe('write-ahead log', () => {
  it('gives back, on the next open, every record not yet released', async () => {
    const dir = join(root, 'a');
    const wal = openWal(options(dir));
    const segs = await Promise.all([1, 2, 3].map((i) => wal.append(rec(i))));
    wal.release(segs[0] as number); // the first was stored
    await wal.close();
    const again = openWal(options(dir));
    // References are per segment: all three records share one, still held by two of them.
    expect(again.replayed.map((r) => r.spans)).toEqual([1, 2, 3]);
    await again.close();
  });

  it('cuts a torn tail and keeps the records before it', async () => {
    const dir = join(root, 'b');
    const wal = openWal(options(dir));
    await wal.append(rec(1));
    await wal.append(rec(2));
    await wal.close();
    const [file] = segments(dir);
    appendFileSync(join(dir, file as string), Buffer.from([200, 0, 0, 0, 1, 2])); // a half-written record
    const again = openWal(options(dir));
    expect(again.replayed.map((r) => r.spans)).toEqual([1, 2]);
    expect(again.problems.join()).toMatch(/torn record/);
    await again.close();
  });

  it('deletes a segment once every record in it is released and it takes no more appends', async () => {
    const dir = join(root, 'c');
    const wal = openWal({ ...options(dir), segmentBytes: 1024 * 1024 });
    const big = { tenant: 't', spans: 1, request: Buffer.alloc(600 * 1024) };
    const first = await wal.append(big);
    const second = await wal.append(big); // fills the first segment: the next append starts another
    expect(second).toBe(first);
    const third = await wal.append(big);
    expect(third).toBe(first + 1);
    expect(segments(dir)).toHaveLength(2);
    wal.release(first);
    expect(segments(dir)).toHaveLength(2);
    wal.release(first);
    // Deleted in the background, a step at a time (free-gradually.ts): gone once the log says so.
    await wal.freed();
    expect(segments(dir)).toHaveLength(1);
    wal.release(third);
    await wal.close();
    expect(openWal(options(dir)).replayed).toEqual([]);
  });
});
