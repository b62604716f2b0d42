// One write-ahead-log record: the spans one request left after sampling, as the OTLP protobuf request
// they will be exported as, with the tenant and span count. Framed as
//   u32 length of the body | u32 CRC-32 of the body | body
// body = u8 tenant length | tenant | u32 spans | ExportTraceServiceRequest
// (little-endian). The top bit of `spans` marks a pending record: spans accepted whose trace is not yet
// decided (trace-complete sampling), replayed into the trace buffer rather than the export queue;
// records written before the flag existed read as not pending. The checksum is seeded with the
// segment's number (segment.ts), so a reused file's earlier records do not check out as new ones. A
// frame of eight zero bytes marks where the records end (the rest of the file is free space). A record
// whose frame or checksum does not hold marks the end of what was written whole: a torn tail after a
// crash, cut on replay.
//
// The CRC-32 (the zlib polynomial, so segments written with node:zlib's crc32 still read) comes from
// @node-rs/crc32: SIMD, about 8× node:zlib's on a ~1 MB LLM request (0.06 ms against 0.5 ms), which
// was 2 µs of the log's cost per span (bench/wal-record.ts).
import { crc32 } from '@node-rs/crc32';
import { type EncodedRequest, encodedRequest } from '../otlp/encode-proto.ts';

export interface WalRecord {
  tenant: string;
  spans: number;
  /** ExportTraceServiceRequest bytes. */
  request: Buffer;
  /** Accepted, not yet decided: the trace buffer holds these spans (see ingester/src/tail). */
  pending?: boolean;
}

/** A record as appended: the request in the parts it was encoded as, written where they lie. */
export interface WalEntry extends Omit<WalRecord, 'request'> {
  request: EncodedRequest;
}

const PENDING_BIT = 0x8000_0000;

const FRAME = 8;
/** Where the records end: a zero length and a zero checksum, which no record has. */
export const END_FRAME: Buffer = Buffer.alloc(FRAME);
/** Larger records are not ours (a corrupt length); requests are capped far below this. */
const MAX_BODY = 1 << 30;

/**
 * The record as pieces to write one after the other: its frame and header, then the request's parts
 * (megabytes of LLM spans, mostly views of the received bytes), checksummed where they lie, not
 * copied. `seed` is the segment's (0 in segments written before seeding).
 */
export function encodeRecordParts(r: WalEntry, seed = 0): Uint8Array[] {
  const tenant = Buffer.from(r.tenant, 'utf8');
  const headerLength = 1 + tenant.length + 4;
  const head = Buffer.allocUnsafe(FRAME + headerLength);
  head.writeUInt32LE(headerLength + r.request.length, 0);
  let at = FRAME;
  head.writeUInt8(tenant.length, at++);
  at += tenant.copy(head, at);
  head.writeUInt32LE((r.spans | (r.pending ? PENDING_BIT : 0)) >>> 0, at);
  let crc = crc32(head.subarray(FRAME), seed);
  for (const part of r.request.parts) crc = crc32(part, crc);
  head.writeUInt32LE(crc, 4);
  return [head, ...r.request.parts];
}

/** The record as one buffer (what encodeRecordParts writes, joined). */
export function encodeRecord(r: WalRecord, seed = 0): Buffer {
  return Buffer.concat(encodeRecordParts({ ...r, request: encodedRequest(r.request) }, seed));
}

export interface ParsedRecords {
  records: WalRecord[];
  /** Bytes of the buffer made of whole, intact records; what follows is torn or corrupt. */
  goodLength: number;
  /** Why reading stopped before the end, if it did. */
  problem?: string;
}

/** Reads the records of `buf` from `start`, checksums seeded with `seed`; lengths are offsets in buf. */
export function parseRecords(buf: Buffer, seed = 0, start = 0): ParsedRecords {
  const records: WalRecord[] = [];
  let at = start;
  while (at < buf.length) {
    if (buf.length - at < FRAME) return { records, goodLength: at, problem: 'torn record frame' };
    const bodyLength = buf.readUInt32LE(at);
    if (bodyLength === 0 && buf.readUInt32LE(at + 4) === 0) break;
    if (bodyLength < 5 || bodyLength > MAX_BODY)
      return { records, goodLength: at, problem: `implausible record length ${bodyLength}` };
    if (buf.length - at - FRAME < bodyLength) return { records, goodLength: at, problem: 'torn record' };
    const body = buf.subarray(at + FRAME, at + FRAME + bodyLength);
    if (crc32(body, seed) !== buf.readUInt32LE(at + 4))
      return { records, goodLength: at, problem: 'record checksum mismatch' };
    const tenantLength = body.readUInt8(0);
    if (1 + tenantLength + 4 > bodyLength)
      return { records, goodLength: at, problem: 'record header beyond its body' };
    const spans = body.readUInt32LE(1 + tenantLength);
    records.push({
      tenant: body.toString('utf8', 1, 1 + tenantLength),
      spans: (spans & ~PENDING_BIT) >>> 0,
      request: body.subarray(1 + tenantLength + 4),
      ...((spans & PENDING_BIT) !== 0 ? { pending: true } : {}),
    });
    at += FRAME + bodyLength;
  }
  return { records, goodLength: at };
}
