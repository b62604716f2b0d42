// The headers that end a gRPC call (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md):
// grpc-status, grpc-message percent-encoded, and a google.rpc.Status with RetryInfo in
// grpc-status-details-bin (base64 without padding, as the protocol asks of -bin headers), which OTel
// exporters honour.
import type { IngestError } from '../errors.ts';
import { encodeRpcStatus } from '../otlp/responses.ts';

/** grpc-message: UTF-8, every byte outside printable ASCII (and '%') as %XX. */
export function percentEncode(message: string): string {
  // Plain messages, nearly all of them, pass through without a copy.
  if (/^[\x20-\x24\x26-\x7e]*$/.test(message)) return message;
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export type StatusHeaders = Record<string, string>;

export const OK_TRAILERS: StatusHeaders = { 'grpc-status': '0' };

export function errorTrailers(err: IngestError): StatusHeaders {
  return {
    'grpc-status': String(err.spec.grpc),
    'grpc-message': percentEncode(err.message),
    'grpc-status-details-bin': encodeRpcStatus(err.spec.grpc, err.message, err.retryAfterMs)
      .toString('base64')
      .replace(/=+$/, ''),
  };
}
