// A small protobuf writer for tests that need OTLP requests no SDK would send: wrong wire types, bad
// lengths, deep nesting, out-of-range numbers. Every helper returns the encoded field; `message` joins
// fields. Field numbers follow opentelemetry/proto (trace, common, resource, collector).
import { randomBytes } from 'node:crypto';

function varint(v: bigint): Buffer {
  const out: number[] = [];
  let u = BigInt.asUintN(64, v);
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return Buffer.from(out);
}

export const tag = (field: number, wire: number): Buffer => varint(BigInt((field << 3) | wire));
export const message = (...fields: Buffer[]): Buffer => Buffer.concat(fields);
export const len = (field: number, payload: Buffer | string): Buffer => {
  const b = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([tag(field, 2), varint(BigInt(b.length)), b]);
};
export const uint = (field: number, v: number | bigint): Buffer =>
  Buffer.concat([tag(field, 0), varint(BigInt(v))]);
export const fixed64 = (field: number, v: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return Buffer.concat([tag(field, 1), b]);
};
export const double = (field: number, v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return Buffer.concat([tag(field, 1), b]);
};

// common.proto
export const str = (v: string) => len(1, v);
export const int = (v: bigint) => uint(3, v);
export const kv = (key: string, value: Buffer) => message(len(1, key), len(2, value));
export const arrayValue = (...values: Buffer[]) => len(5, message(...values.map((v) => len(1, v))));
export const kvlistValue = (...kvs: Buffer[]) => len(6, message(...kvs.map((k) => len(1, k))));
/** An AnyValue nested `depth` arrays deep around a string. */
export function nested(depth: number): Buffer {
  let v = str('bottom');
  for (let i = 0; i < depth; i++) v = arrayValue(v);
  return v;
}

export const traceId = () => randomBytes(16);
export const spanId = () => randomBytes(8);

/** A Span message: ids and times filled in, then `extra` fields appended as given. */
export function span(
  opts: { trace?: Buffer; span?: Buffer; name?: string } = {},
  ...extra: Buffer[]
): Buffer {
  const now = BigInt(Date.now()) * 1_000_000n;
  return message(
    len(1, opts.trace ?? traceId()),
    len(2, opts.span ?? spanId()),
    len(5, opts.name ?? 'op'),
    uint(6, 1),
    fixed64(7, now),
    fixed64(8, now + 1_000_000n),
    ...extra,
  );
}
export const attribute = (key: string, value: Buffer) => len(9, kv(key, value));

/** An ExportTraceServiceRequest with one resource (service.name) and one scope holding `spans`. */
export function request(
  spans: Buffer[],
  opts: { service?: string; resource?: Buffer[]; scope?: Buffer } = {},
) {
  const resource = message(
    len(1, kv('service.name', str(opts.service ?? 'hostile-test'))),
    ...(opts.resource ?? []),
  );
  const scopeSpans = message(len(1, opts.scope ?? len(1, 'test')), ...spans.map((s) => len(2, s)));
  return len(1, message(len(1, resource), len(2, scopeSpans)));
}
