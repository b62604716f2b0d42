// A write-ahead-log segment file: a header naming the segment, then records (record.ts) whose checksums
// are seeded with that number, then an end frame that the next group of records overwrites.
//   "KTWALv2\0" | u32 segment number | u32 CRC-32 of the 12 bytes before | records… | end frame
// The seeding is what lets the log reuse a spent segment's file (wal.ts): the file's earlier records do
// not check out under its new number, so replay stops where the new records end and never reads old
// ones as new. Segments written before the header existed (no magic; a record length can never spell
// it, being above the 1 GiB cap) read as they did: checksums unseeded, records from byte 0.
import { crc32 } from '@node-rs/crc32';
import { END_FRAME, type ParsedRecords, parseRecords } from './record.ts';

const MAGIC = Buffer.from('KTWALv2\0', 'latin1');
/** Bytes before a segment's first record. */
export const SEGMENT_HEADER = MAGIC.length + 8;

/** What a fresh (or reused) segment file starts with: its header and an end frame, no records. */
export function segmentStart(segment: number): Buffer {
  const buf = Buffer.alloc(SEGMENT_HEADER + END_FRAME.length);
  MAGIC.copy(buf);
  buf.writeUInt32LE(segment >>> 0, MAGIC.length);
  buf.writeUInt32LE(crc32(buf.subarray(0, MAGIC.length + 4)), MAGIC.length + 4);
  return buf;
}

/** The checksum seed of a segment's records. */
export const seedOf = (segment: number): number => segment >>> 0;

/** The records of a segment file; `goodLength` is where whole records end, as an offset in the file. */
export function parseSegment(buf: Buffer): ParsedRecords {
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return parseRecords(buf);
  if (buf.length < SEGMENT_HEADER) return { records: [], goodLength: 0, problem: 'torn segment header' };
  if (crc32(buf.subarray(0, MAGIC.length + 4)) !== buf.readUInt32LE(MAGIC.length + 4))
    return { records: [], goodLength: 0, problem: 'segment header checksum mismatch' };
  return parseRecords(buf, buf.readUInt32LE(MAGIC.length), SEGMENT_HEADER);
}
