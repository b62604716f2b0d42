// The two reply bodies OTLP defines: ExportTraceServiceResponse (empty on success; partial_success is
// only read, from storage's replies) and google.rpc.Status for errors (with a google.rpc.RetryInfo
// detail when the client should wait). Each in protobuf and in JSON, since a reply uses the request's
// content type.
import { size, WIRE_LEN, WIRE_VARINT, WireError, WireReader, WireWriter } from './wire.ts';

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/** An ExportTraceServiceResponse with no partial_success: the receivers take a request whole or refuse it. */
export function encodeExportResponse(): Buffer {
  return Buffer.alloc(0);
}

export function exportResponseJson(): string {
  return '{}';
}

/** Reads partial_success from an ExportTraceServiceResponse (what Tempo or a collector answered). */
export function decodeExportResponse(buf: Buffer): PartialSuccess | undefined {
  const r = new WireReader(buf);
  while (!r.done) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const [s, e] = r.span();
      const inner = new WireReader(buf, s, e);
      const out: PartialSuccess = { rejectedSpans: 0, errorMessage: '' };
      while (!inner.done) {
        const t = inner.uint32();
        if (t === ((1 << 3) | WIRE_VARINT)) out.rejectedSpans = Number(inner.int64());
        else if (t === ((2 << 3) | WIRE_LEN)) out.errorMessage = inner.string();
        else inner.skip(t & 7);
      }
      return out;
    }
    r.skip(tag & 7);
  }
  return undefined;
}

function retryInfo(delayMs: number): Buffer {
  const seconds = Math.floor(delayMs / 1000);
  const nanos = Math.round((delayMs % 1000) * 1e6);
  const duration = (seconds ? size.varint(1, seconds) : 0) + (nanos ? size.varint(2, nanos) : 0);
  const w = new WireWriter(size.len(1, duration));
  w.beginLen(1, duration);
  if (seconds) w.varintField(1, seconds);
  if (nanos) w.varintField(2, nanos);
  return w.finish();
}

/** google.rpc.Status { code, message, details: [Any(RetryInfo)] } as protobuf. */
export function encodeRpcStatus(code: number, message: string, retryAfterMs?: number): Buffer {
  const detail = retryAfterMs !== undefined ? retryInfo(retryAfterMs) : undefined;
  const anySize = detail ? size.string(1, RETRY_INFO_TYPE) + size.len(2, detail.length) : 0;
  const total =
    (code ? size.varint(1, code) : 0) +
    (message ? size.string(2, message) : 0) +
    (detail ? size.len(3, anySize) : 0);
  const w = new WireWriter(total);
  if (code) w.varintField(1, code);
  if (message) w.stringField(2, message);
  if (detail) {
    w.beginLen(3, anySize);
    w.stringField(1, RETRY_INFO_TYPE);
    w.lenField(2, detail);
  }
  return w.finish();
}

export function rpcStatusJson(code: number, message: string, retryAfterMs?: number): string {
  const details =
    retryAfterMs !== undefined
      ? [{ '@type': RETRY_INFO_TYPE, retryDelay: `${(retryAfterMs / 1000).toFixed(3)}s` }]
      : [];
  return JSON.stringify({ code, message, ...(details.length ? { details } : {}) });
}

/** The longest wait a RetryInfo may ask for that is taken as given (a day); longer ones are cut to it. */
const MAX_RETRY_DELAY_MS = 86_400_000;

/** google.protobuf.Duration { seconds = 1 (int64), nanos = 2 (int32) } in milliseconds, never negative. */
function durationMs(buf: Buffer, start: number, end: number): number {
  const r = new WireReader(buf, start, end);
  let seconds = 0n;
  let nanos = 0;
  while (!r.done) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_VARINT)) seconds = r.int64();
    else if (tag === ((2 << 3) | WIRE_VARINT)) nanos = r.uint32() | 0;
    else r.skip(tag & 7);
  }
  if (seconds < 0n || nanos < 0) return 0;
  if (seconds > BigInt(MAX_RETRY_DELAY_MS / 1000)) return MAX_RETRY_DELAY_MS;
  return Number(seconds) * 1000 + Math.ceil(nanos / 1e6);
}

/**
 * The wait a google.rpc.Status asks for in its google.rpc.RetryInfo detail (what a server sends in
 * grpc-status-details-bin), in ms; undefined when it carries none. A RetryInfo without a delay means
 * "retry, at a time of your choosing": 0. Damaged bytes count as no RetryInfo (never a throw).
 */
export function decodeRetryInfo(status: Buffer): number | undefined {
  try {
    const r = new WireReader(status);
    while (!r.done) {
      const tag = r.uint32();
      if (tag !== ((3 << 3) | WIRE_LEN)) {
        r.skip(tag & 7);
        continue;
      }
      // details: google.protobuf.Any { type_url = 1, value = 2 }
      const [s, e] = r.span();
      const any = new WireReader(status, s, e);
      let type = '';
      let value: [number, number] | undefined;
      while (!any.done) {
        const t = any.uint32();
        if (t === ((1 << 3) | WIRE_LEN)) type = any.string();
        else if (t === ((2 << 3) | WIRE_LEN)) value = any.span();
        else any.skip(t & 7);
      }
      if (type !== RETRY_INFO_TYPE || !value) continue;
      // RetryInfo { retry_delay = 1 (Duration) }
      const info = new WireReader(status, value[0], value[1]);
      let delay = 0;
      while (!info.done) {
        const t = info.uint32();
        if (t === ((1 << 3) | WIRE_LEN)) {
          const [ds, de] = info.span();
          delay = durationMs(status, ds, de);
        } else info.skip(t & 7);
      }
      return delay;
    }
    return undefined;
  } catch (err) {
    if (err instanceof WireError) return undefined;
    throw err;
  }
}
