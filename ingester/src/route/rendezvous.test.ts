// Rendezvous hashing: every replica gets its share of trace ids, the same ids on every instance, and a
// replica joining or leaving moves only the traces it gains or loses.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { batchOf, makeTraces } from '../testing/traces.ts';
import { createRing, splitByOwner } from './rendezvous.ts';

const ids = (n: number) => Array.from({ length: n }, () => randomBytes(16));

describe('rendezvous ring', () => {
  it('shares 30,000 trace ids evenly over three replicas (within 5 standard deviations)', () => {
    const ring = createRing(['ingester-0', 'ingester-1', 'ingester-2']);
    const counts = [0, 0, 0];
    const n = 30_000;
    for (const id of ids(n)) {
      const owner = ring.ownerOf(id);
      counts[owner] = (counts[owner] ?? 0) + 1;
    }
    const sd = Math.sqrt(n * (1 / 3) * (2 / 3));
    for (const c of counts) expect(Math.abs(c - n / 3)).toBeLessThan(5 * sd);
  });

  it('agrees between independently built rings, whatever the order of the peer list', () => {
    const a = createRing(['a', 'b', 'c']);
    const b = createRing(['c', 'a', 'b']);
    for (const id of ids(2000)) expect(a.ids[a.ownerOf(id)]).toBe(b.ids[b.ownerOf(id)]);
  });

  it('moves only the traces of the replica that left, and only to the one that joins', () => {
    const three = createRing(['a', 'b', 'c']);
    const two = createRing(['a', 'b']);
    const four = createRing(['a', 'b', 'c', 'd']);
    let movedToD = 0;
    for (const id of ids(6000)) {
      const before = three.ids[three.ownerOf(id)];
      if (before !== 'c') expect(two.ids[two.ownerOf(id)]).toBe(before);
      const after = four.ids[four.ownerOf(id)];
      if (after !== before) {
        expect(after).toBe('d');
        movedToD++;
      }
    }
    expect(movedToD).toBeGreaterThan(6000 / 4 - 300);
    expect(movedToD).toBeLessThan(6000 / 4 + 300);
  });

  it('splits a batch by owner, every span once, resources and scopes kept', () => {
    const ring = createRing(['a', 'b', 'c']);
    const traces = makeTraces(50, { seed: 4 });
    const batch = batchOf(traces.flatMap((t) => t.spans));
    const parts = splitByOwner(batch, ring);
    let total = 0;
    for (const [owner, part] of parts)
      for (const rs of part.resourceSpans) {
        expect(rs.resource).toBe(batch.resourceSpans[0]?.resource);
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans) {
            expect(ring.ownerOf(s.traceId)).toBe(owner);
            total++;
          }
      }
    expect(total).toBe(traces.reduce((n, t) => n + t.spans.length, 0));
  });
});
