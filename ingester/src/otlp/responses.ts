// The two reply bodies OTLP defines: ExportTraceServiceResponse (empty on success; partial_success is
// only read, from storage's replies) and google.rpc.Status for errors (with a google.rpc.RetryInfo
// detail when the client should wait). Each in protobuf and in JSON, since a reply uses the request's
// content type.
import { size, WIRE_LEN, WIRE_VARINT, WireReader, WireWriter } from './wire.ts';

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
