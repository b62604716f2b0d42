import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRecord, parseRecords, type WalRecord } from './record.ts';

const record = fc.record({
  tenant: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  spans: fc.nat({ max: 100_000 }),
  request: fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
});

describe('write-ahead-log records', () => {
  it('read back what was written, in order', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), (records: WalRecord[]) => {
        const buf = Buffer.concat(records.map((r) => encodeRecord(r)));
        const parsed = parseRecords(buf);
        expect(parsed.problem).toBeUndefined();
        expect(parsed.goodLength).toBe(buf.length);
        expect(parsed.records).toEqual(records);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('stop at a torn or damaged tail and keep every whole record before it', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.boolean(),
        (records, at, flip) => {
          const whole = records.map((r) => encodeRecord(r));
          const buf = Buffer.concat(whole);
          const cut = at % buf.length;
          const damaged = flip ? Buffer.from(buf) : buf.subarray(0, cut);
          if (flip) damaged[cut] = (damaged[cut] as number) ^ 0xff;
          const parsed = parseRecords(damaged);
          // Every record that ends before the damage is read; nothing after it is.
          let end = 0;
          let intact = 0;
          for (const w of whole) {
            if (end + w.length > cut) break;
            end += w.length;
            intact++;
          }
          expect(parsed.records).toEqual(records.slice(0, intact));
          expect(parsed.goodLength).toBe(end);
          // A cut at a record's end leaves whole records only; anything else is reported.
          expect(parsed.problem !== undefined).toBe(flip || end !== cut);
        },
      ),
      { seed: 11, numRuns: 500 },
    );
  });
});

describe('write-ahead-log checksums', () => {
  it('are the zlib CRC-32, so segments written by earlier versions (node:zlib) still read', () => {
    fc.assert(
      fc.property(record, (r: WalRecord) => {
        const buf = encodeRecord(r);
        const body = buf.subarray(8);
        expect(buf.readUInt32LE(4)).toBe(zlibCrc32(body));
      }),
      { seed: 11, numRuns: 200 },
    );
  });
});
