import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { END_FRAME, encodeRecord, type WalRecord } from './record.ts';
import { parseSegment, SEGMENT_HEADER, segmentStart } from './segment.ts';

const record = fc.record({
  tenant: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  spans: fc.nat({ max: 100_000 }),
  request: fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
});
const encodeAll = (records: WalRecord[], seed: number) =>
  Buffer.concat(records.map((r) => encodeRecord(r, seed)));

describe('write-ahead-log segment files', () => {
  it("read a reused file's new records only, with or without its end frame (a crash before it was written)", () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 5 }),
        fc.array(record, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.boolean(),
        (fresh, stale, older, ended) => {
          const seq = older + 1 + (older % 7);
          // The file as it was: an earlier segment's header and records; then written over from the start.
          const before = Buffer.concat([
            segmentStart(older).subarray(0, SEGMENT_HEADER),
            encodeAll(stale, older),
          ]);
          const now = Buffer.concat([segmentStart(seq).subarray(0, SEGMENT_HEADER), encodeAll(fresh, seq)]);
          const file = Buffer.from(before.length > now.length ? before : now);
          now.copy(file);
          if (ended && now.length + 8 <= file.length) END_FRAME.copy(file, now.length);
          // Where the new records end exactly at an old record's start, only the seed tells them apart.
          const parsed = parseSegment(file);
          expect(parsed.records).toEqual(fresh);
          expect(parsed.goodLength).toBe(now.length);
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });

  it('end at the end frame without a problem; a torn group after it is one', () => {
    const r = { tenant: 't', spans: 2, request: Buffer.from('span bytes') };
    const ended = Buffer.concat([
      segmentStart(3).subarray(0, SEGMENT_HEADER),
      encodeRecord(r, 3),
      END_FRAME,
      Buffer.alloc(40, 7),
    ]);
    expect(parseSegment(ended)).toEqual({
      records: [r],
      goodLength: SEGMENT_HEADER + encodeRecord(r).length,
    });
    const torn = Buffer.concat([
      segmentStart(3).subarray(0, SEGMENT_HEADER),
      encodeRecord(r, 3),
      Buffer.from([9, 9]),
    ]);
    expect(parseSegment(torn).problem).toMatch(/torn record frame/);
  });

  it('still read segments written before the header existed', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 6 }), (records) => {
        const parsed = parseSegment(encodeAll(records, 0));
        expect(parsed.records).toEqual(records);
        expect(parsed.problem).toBeUndefined();
      }),
      { seed: 9, numRuns: 200 },
    );
  });

  it('report a damaged header and read nothing under it', () => {
    const file = Buffer.concat([
      segmentStart(4),
      encodeRecord({ tenant: 't', spans: 1, request: Buffer.alloc(3) }, 4),
    ]);
    file[9] = (file[9] as number) ^ 1;
    expect(parseSegment(file)).toEqual({
      records: [],
      goodLength: 0,
      problem: 'segment header checksum mismatch',
    });
    expect(parseSegment(file.subarray(0, 10)).problem).toBe('torn segment header');
  });
});
