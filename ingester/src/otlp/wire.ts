// Protocol Buffers wire format: a reader that walks a buffer without copying (sub-messages and bytes
// are views into it) and a writer into one pre-sized buffer. The OTLP scanner and encoder are built on
// these two; nothing else in the ingester touches wire bytes.

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export class WireError extends Error {
  override name = 'WireError';
}

/** Where the last varint32() read ended: a second result, kept here so a read allocates nothing. */
export let varintEnd = 0;

/**
 * A varint of up to 32 significant bits (tags, lengths, enums, uint32 counts) at `pos`, within `end`;
 * `varintEnd` is where it ends. The position-passing form, for scanners that keep their position in a
 * local; WireReader.uint32 reads with it too.
 */
export function varint32(buf: Buffer, pos: number, end: number): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) throw new WireError('truncated varint');
    const b = buf[pos++] as number;
    result |= (b & 0x7f) << shift;
    if (b < 0x80) {
      varintEnd = pos;
      return result >>> 0;
    }
  }
  // Longer varints (negative int32 enums) carry 10 bytes; the low 32 bits are what counts.
  for (let i = 0; i < 5; i++) {
    if (pos >= end) throw new WireError('truncated varint');
    if ((buf[pos++] as number) < 0x80) {
      varintEnd = pos;
      return result >>> 0;
    }
  }
  throw new WireError('varint too long');
}

export class WireReader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;
  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint of up to 32 significant bits (tags, lengths, enums, uint32 counts). */
  uint32(): number {
    const v = varint32(this.buf, this.pos, this.end);
    this.pos = varintEnd;
    return v;
  }

  /** A 64-bit two's-complement varint (int64), as a bigint. */
  int64(): bigint {
    let lo = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++] as number;
      lo |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, lo);
      shift += 7n;
    }
    throw new WireError('varint too long');
  }

  fixed64(): bigint {
    if (this.pos + 8 > this.end) throw new WireError('truncated fixed64');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new WireError('truncated fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new WireError('truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** The bounds of a length-delimited field's payload; the reader moves past it. */
  span(): [start: number, end: number] {
    const len = this.uint32();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new WireError('length beyond end of message');
    this.pos = end;
    return [start, end];
  }

  /** Like span() without allocating: returns the payload's start; `pos` is then its end. */
  payload(): number {
    const len = this.uint32();
    const start = this.pos;
    if (start + len > this.end) throw new WireError('length beyond end of message');
    this.pos = start + len;
    return start;
  }

  bytes(): Buffer {
    const [s, e] = this.span();
    return this.buf.subarray(s, e);
  }

  string(): string {
    const [s, e] = this.span();
    return this.buf.toString('utf8', s, e);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        while (true) {
          if (this.pos >= this.end) throw new WireError('truncated varint');
          if ((this.buf[this.pos++] as number) < 0x80) return;
        }
      case WIRE_I64:
        this.pos += 8;
        break;
      case WIRE_LEN:
        this.span();
        return;
      case WIRE_I32:
        this.pos += 4;
        break;
      default:
        throw new WireError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new WireError('truncated field');
  }
}

export function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

function int64Size(v: bigint): number {
  let u = BigInt.asUintN(64, v);
  let n = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    n++;
  }
  return n;
}

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** Sizes of whole fields (tag + payload), for pre-sizing the writer. Field numbers here are < 16. */
export const size = {
  len: (field: number, payload: number) => varintSize(field << 3) + varintSize(payload) + payload,
  string: (field: number, s: string) => size.len(field, utf8(s)),
  varint: (field: number, v: number) => varintSize(field << 3) + varintSize(v),
  int64: (field: number, v: bigint) => varintSize(field << 3) + int64Size(v),
  fixed64: (field: number) => varintSize(field << 3) + 8,
  fixed32: (field: number) => varintSize(field << 3) + 4,
};

export class WireWriter {
  pos = 0;
  readonly buf: Buffer;
  constructor(length: number) {
    this.buf = Buffer.allocUnsafe(length);
  }

  varint(v: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int64(v: bigint): void {
    let u = BigInt.asUintN(64, v);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  fixed64(v: bigint): void {
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
  }

  fixed32(v: number): void {
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  double(v: number): void {
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  raw(bytes: Uint8Array): void {
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  lenField(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  stringField(field: number, s: string): void {
    this.tag(field, WIRE_LEN);
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
  }

  varintField(field: number, v: number): void {
    this.tag(field, WIRE_VARINT);
    this.varint(v);
  }

  fixed64Field(field: number, v: bigint): void {
    this.tag(field, WIRE_I64);
    this.fixed64(v);
  }

  fixed32Field(field: number, v: number): void {
    this.tag(field, WIRE_I32);
    this.fixed32(v);
  }

  /** Starts a length-delimited field whose payload size is already known. */
  beginLen(field: number, payload: number): void {
    this.tag(field, WIRE_LEN);
    this.varint(payload);
  }

  finish(): Buffer {
    if (this.pos !== this.buf.length) {
      throw new Error(`encoder size mismatch: wrote ${this.pos} of ${this.buf.length} bytes`);
    }
    return this.buf;
  }
}
