import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openOutbox } from './outbox.ts';

const entry = (n: number) => ({
  id: n.toString(16).padStart(32, '0'),
  tenant: 'acme',
  body: JSON.stringify({ n, pad: 'x'.repeat(100) }),
  acceptedAt: 1000 + n,
});

describe('prompt-registry outbox', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'outbox-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('gives back after a restart what was not delivered, and nothing half-written', async () => {
    const dir = fresh();
    const a = openOutbox(dir, 1 << 20);
    for (const n of [1, 2, 3]) await a.add(entry(n));
    await a.remove(entry(2).id);
    await a.deadLetter(entry(3).id, 'refused: HTTP 400');
    writeFileSync(join(dir, 'pending', `${entry(9).id}.json.abcd.tmp`), '{"id":');
    const b = openOutbox(dir, 1 << 20);
    // Memory holds the item; the body stays on disk until it is sent.
    const size = Buffer.byteLength(JSON.stringify(entry(1)));
    const { body, ...item } = entry(1);
    expect(b.replayed).toEqual([{ ...item, bytes: size }]);
    expect(await b.body(item.id)).toBe(body);
    expect(b.bytes).toBe(size);
    expect(readdirSync(join(dir, 'pending'))).toEqual([`${entry(1).id}.json`]);
    const dead = JSON.parse(readFileSync(join(dir, 'dead', `${entry(3).id}.json`), 'utf8'));
    expect(dead).toMatchObject({ ...entry(3), reason: 'refused: HTTP 400' });
  });

  it('refuses past its byte cap, counts the same delivery once, and frees room on removal', async () => {
    const size = Buffer.byteLength(JSON.stringify(entry(1)));
    const box = openOutbox(fresh(), size * 2);
    await box.add(entry(1));
    await box.add(entry(1));
    await box.add(entry(2));
    expect(box.bytes).toBe(size * 2);
    await expect(box.add(entry(3))).rejects.toThrow(/outbox full/);
    await box.remove(entry(1).id);
    await box.add(entry(3));
    expect(box.bytes).toBe(size * 2);
  });

  it('moves an unreadable file aside instead of failing to start', () => {
    const dir = fresh();
    openOutbox(dir, 1 << 20);
    writeFileSync(join(dir, 'pending', 'garbage.json'), 'not json');
    const box = openOutbox(dir, 1 << 20);
    expect(box.replayed).toEqual([]);
    expect(readdirSync(join(dir, 'dead'))).toEqual(['garbage.json.unreadable']);
  });
});
