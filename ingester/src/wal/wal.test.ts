import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodedRequest } from '../otlp/encode-proto.ts';
import { openWal } from './wal.ts';

const root = mkdtempSync(join(tmpdir(), 'koder-wal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const options = (dir: string) => ({
  dir,
  durability: 'fsync' as const,
  segmentBytes: 1024 * 1024,
  syncIntervalMs: 50,
});
const rec = (i: number) => ({ tenant: 't', spans: i, request: encodedRequest(Buffer.alloc(100, i)) });
const big = (i: number) => ({ tenant: 't', spans: i, request: encodedRequest(Buffer.alloc(600 * 1024, i)) });
const segments = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.wal'));
const spares = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.spare'));
const fileOf = (dir: string, seq: number) => join(dir, `${String(seq).padStart(12, '0')}.wal`);

describe('write-ahead log', () => {
  it('gives back, on the next open, every record not yet released', async () => {
    const dir = join(root, 'a');
    const wal = await openWal(options(dir));
    const segs = await Promise.all([1, 2, 3].map((i) => wal.append(rec(i))));
    wal.release(segs[0] as number); // the first was stored
    await wal.close();
    const again = await openWal(options(dir));
    // References are per segment: all three records share one, still held by two of them.
    expect(again.replayed.map((r) => r.spans)).toEqual([1, 2, 3]);
    await again.close();
  });

  it('cuts a torn tail and keeps the records before it', async () => {
    const dir = join(root, 'b');
    const wal = await openWal(options(dir));
    const seg = await wal.append(rec(1));
    await wal.append(rec(2));
    await wal.close();
    // A crash part way through the next group: half a record where the end frame was.
    const file = fileOf(dir, seg);
    const whole = readFileSync(file);
    writeFileSync(
      file,
      Buffer.concat([whole.subarray(0, whole.length - 8), Buffer.from([200, 0, 0, 0, 1, 2])]),
    );
    const again = await openWal(options(dir));
    expect(again.replayed.map((r) => r.spans)).toEqual([1, 2]);
    expect(again.problems.join()).toMatch(/torn record/);
    await again.close();
  });

  it('a clean end is no problem', async () => {
    const dir = join(root, 'b2');
    const wal = await openWal(options(dir));
    await wal.append(rec(1));
    await wal.close();
    const again = await openWal(options(dir));
    expect(again.replayed.map((r) => r.spans)).toEqual([1]);
    expect(again.problems).toEqual([]);
    await again.close();
  });

  it('rotates past the segment size, and keeps a spent segment as a spare once it takes no more appends', async () => {
    const dir = join(root, 'c');
    const wal = await openWal(options(dir));
    const first = await wal.append(big(1));
    const second = await wal.append(big(2)); // fills the first segment: the next append starts another
    expect(second).toBe(first);
    const third = await wal.append(big(3));
    expect(third).toBe(first + 1);
    wal.release(first);
    expect(spares(dir)).toEqual([]);
    wal.release(first);
    expect(spares(dir)).toEqual([`${String(first).padStart(12, '0')}.wal.spare`]);
    expect(segments(dir)).not.toContain(`${String(first).padStart(12, '0')}.wal`);
    wal.release(third);
    await wal.close();
    expect((await openWal(options(dir))).replayed).toEqual([]);
  });

  it("writes a later segment over a spare's file, and replay never reads the spare's earlier records", async () => {
    const dir = join(root, 'd');
    const wal = await openWal(options(dir));
    const one = await wal.append(big(1));
    await wal.append(big(2));
    const two = await wal.append(big(3)); // segment two; segment three is made while it fills
    const inode = statSync(fileOf(dir, one)).ino;
    wal.release(one);
    wal.release(one); // segment one is spent: kept as a spare, to be written over by segment four
    await wal.append(big(4));
    const three = await wal.append(big(5));
    await wal.append(big(6));
    const four = await wal.append(rec(7)); // a small record at the start of a file 1.2 MB long
    expect([two, three, four]).toEqual([one + 1, one + 2, one + 3]);
    expect(statSync(fileOf(dir, four)).ino).toBe(inode);
    expect(statSync(fileOf(dir, four)).size).toBeGreaterThan(1_000_000);
    for (const seg of [two, two, three, three]) wal.release(seg);
    await wal.close();
    const again = await openWal(options(dir));
    expect(again.replayed.map((r) => [r.segment, r.spans])).toEqual([[four, 7]]);
    expect(again.problems).toEqual([]);
    await again.close();
  });

  it('keeps two spares at most and frees the rest', async () => {
    const dir = join(root, 'e');
    const wal = await openWal(options(dir));
    const held: number[] = [];
    for (let i = 0; i < 10; i++) held.push(await wal.append(big(i)));
    for (const seg of held) wal.release(seg);
    await wal.close();
    await wal.freed();
    expect(spares(dir)).toHaveLength(2);
    expect(segments(dir)).toEqual([]);
    // The next run adopts them: its first segment is written over one, under a number none has held.
    const names = spares(dir);
    const inodes = names.map((f) => statSync(join(dir, f)).ino);
    const again = await openWal(options(dir));
    const seg = await again.append(rec(1));
    expect(inodes).toContain(statSync(fileOf(dir, seg)).ino);
    for (const name of names) expect(seg).toBeGreaterThan(Number.parseInt(name, 10));
    await again.close();
  });
});
