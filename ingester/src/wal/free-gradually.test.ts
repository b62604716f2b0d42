// Freeing spent segments a step at a time: renamed out of the log's pattern first, cut down in steps,
// then gone; what a crash leaves half freed is removed at the next open, never replayed.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { encodedRequest } from '../otlp/encode-proto.ts';
import { FREEING_SUFFIX, gradualFreer, removeLeftovers } from './free-gradually.ts';
import { openWal } from './wal.ts';

const root = mkdtempSync(join(tmpdir(), 'koder-free-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('renames the file out of the way, cuts it down in steps, then removes it', async () => {
  const dir = mkdtempSync(join(root, 'a-'));
  const file = join(dir, '000000000001.wal');
  writeFileSync(file, Buffer.alloc(5 * 1024 * 1024, 1));
  const freer = gradualFreer({ chunkBytes: 1024 * 1024, pauseMs: 20 });
  freer.free(file);
  const sizes: number[] = [];
  const freeing = `${file}${FREEING_SUFFIX}`;
  await expect.poll(() => readdirSync(dir)).toEqual([`000000000001.wal${FREEING_SUFFIX}`]);
  while (readdirSync(dir).length) {
    try {
      sizes.push(statSync(freeing).size);
    } catch {
      // removed between the listing and the stat
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await freer.idle();
  expect(readdirSync(dir)).toEqual([]);
  // It was seen part way down (not freed in one go), and never grew.
  expect(sizes.some((s) => s > 0 && s < 5 * 1024 * 1024)).toBe(true);
  expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
});

it('goes on to the next file when one is already gone', async () => {
  const dir = mkdtempSync(join(root, 'b-'));
  const there = join(dir, 'there.wal');
  writeFileSync(there, 'x');
  const freer = gradualFreer();
  freer.free(join(dir, 'gone.wal'));
  freer.free(there);
  await freer.idle();
  expect(readdirSync(dir)).toEqual([]);
});

it('a log opened over a half-freed segment removes it and does not replay it', async () => {
  const dir = mkdtempSync(join(root, 'c-'));
  const wal = await openWal({ dir, durability: 'fsync', segmentBytes: 1024 * 1024, syncIntervalMs: 50 });
  const seg = await wal.append({ tenant: 't', spans: 3, request: encodedRequest(Buffer.alloc(100, 3)) });
  await wal.close();
  // A crash while freeing: the segment was renamed, not yet removed.
  const [name] = readdirSync(dir).filter((f) => f.endsWith('.wal'));
  expect(name).toBe(`${String(seg).padStart(12, '0')}.wal`);
  rmSync(join(dir, name as string));
  writeFileSync(join(dir, `${name}${FREEING_SUFFIX}`), Buffer.alloc(64, 9));
  const again = await openWal({ dir, durability: 'fsync', segmentBytes: 1024 * 1024, syncIntervalMs: 50 });
  expect(again.replayed).toEqual([]);
  expect(readdirSync(dir).filter((f) => f.endsWith(FREEING_SUFFIX))).toEqual([]);
  await again.close();
  removeLeftovers(dir); // idempotent on a clean directory
});
