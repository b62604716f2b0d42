// How a gRPC call ended, read from what HTTP/2 gave the client: the status in the headers or
// trailers, an HTTP status that is not gRPC's, or a stream reset without any status. The mappings
// are gRPC's own (doc/http-grpc-status-mapping.md, PROTOCOL-HTTP2.md) and the ones grpc-js uses.
import { constants } from 'node:http2';
import { status } from '@grpc/grpc-js';

export interface CallStatus {
  code: number;
  message: string;
  /** grpc-status-details-bin (a google.rpc.Status), when the server sent one. */
  details?: Buffer;
}

const HTTP_TO_GRPC: Record<number, number> = {
  400: status.INTERNAL,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  404: status.UNIMPLEMENTED,
  429: status.UNAVAILABLE,
  502: status.UNAVAILABLE,
  503: status.UNAVAILABLE,
  504: status.UNAVAILABLE,
};

/** Response headers or trailers as node:http2 gives them (`:status` is a number). */
export type ReceivedHeaders = Readonly<Record<string, string | string[] | number | undefined>>;

const first = (v: ReceivedHeaders[string]) => (Array.isArray(v) ? v[0] : v === undefined ? v : String(v));

/** grpc-message is percent-encoded UTF-8; a damaged escape is kept as it came. */
export function percentDecode(message: string): string {
  if (!message.includes('%')) return message;
  try {
    return decodeURIComponent(message);
  } catch {
    return message;
  }
}

/** The status in a call's trailers (or in the headers of a trailers-only answer). */
export function statusFromHeaders(headers: ReceivedHeaders): CallStatus {
  const raw = first(headers['grpc-status']);
  const code = raw !== undefined && /^\d{1,2}$/.test(raw) ? Number(raw) : undefined;
  if (code === undefined) return { code: status.UNKNOWN, message: `no valid grpc-status (${raw})` };
  const message = percentDecode(first(headers['grpc-message']) ?? '');
  const bin = first(headers['grpc-status-details-bin']);
  return bin ? { code, message, details: Buffer.from(bin, 'base64') } : { code, message };
}

/**
 * The call's end when its response headers already say it (a trailers-only answer, an HTTP error from
 * a proxy, something that is not gRPC); undefined for a gRPC response whose status comes in trailers.
 */
export function statusFromResponse(headers: ReceivedHeaders): CallStatus | undefined {
  if (headers['grpc-status'] !== undefined) return statusFromHeaders(headers);
  const http = Number(first(headers[':status']));
  if (http !== 200)
    return { code: HTTP_TO_GRPC[http] ?? status.UNKNOWN, message: `received HTTP status ${http}` };
  const type = first(headers['content-type']) ?? '';
  if (!type.startsWith('application/grpc'))
    return { code: status.UNKNOWN, message: `received content-type ${type || '(none)'}` };
  return undefined;
}

/** A stream that closed before any status: by its RST_STREAM code, or the connection's loss. */
export function statusFromReset(rstCode: number, connectionLost: boolean): CallStatus {
  if (connectionLost) return { code: status.UNAVAILABLE, message: 'connection dropped' };
  switch (rstCode) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return { code: status.UNAVAILABLE, message: 'stream refused by the server' };
    case constants.NGHTTP2_CANCEL:
      return { code: status.CANCELLED, message: 'call cancelled' };
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return { code: status.RESOURCE_EXHAUSTED, message: 'bandwidth exhausted or memory limit exceeded' };
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return { code: status.PERMISSION_DENIED, message: 'protocol not secure enough' };
    case constants.NGHTTP2_NO_ERROR:
      return { code: status.INTERNAL, message: 'call ended without a gRPC status' };
    default:
      return { code: status.INTERNAL, message: `received RST_STREAM with code ${rstCode}` };
  }
}
