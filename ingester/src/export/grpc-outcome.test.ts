import { constants } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { percentDecode, statusFromHeaders, statusFromReset, statusFromResponse } from './grpc-outcome.ts';

describe('statusFromHeaders', () => {
  it('reads the code, the percent-encoded message and the status details', () => {
    expect(
      statusFromHeaders({
        'grpc-status': '8',
        'grpc-message': 'caf%C3%A9 100%25 full',
        'grpc-status-details-bin': Buffer.from([1, 2, 3]).toString('base64').replace(/=+$/, ''),
      }),
    ).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'café 100% full',
      details: Buffer.from([1, 2, 3]),
    });
  });

  it('takes a missing or damaged grpc-status as UNKNOWN, never as OK', () => {
    expect(statusFromHeaders({}).code).toBe(status.UNKNOWN);
    expect(statusFromHeaders({ 'grpc-status': '0x' }).code).toBe(status.UNKNOWN);
    expect(statusFromHeaders({ 'grpc-status': '' }).code).toBe(status.UNKNOWN);
  });
});

describe('percentDecode', () => {
  it('keeps a damaged escape as it came', () => {
    expect(percentDecode('50%')).toBe('50%');
    expect(percentDecode('%E2%82')).toBe('%E2%82');
    expect(percentDecode('plain')).toBe('plain');
  });
});

describe('statusFromResponse', () => {
  const grpc = { ':status': 200, 'content-type': 'application/grpc' };
  it('waits for trailers on a gRPC response', () => {
    expect(statusFromResponse(grpc)).toBeUndefined();
    expect(statusFromResponse({ ...grpc, 'content-type': 'application/grpc+proto' })).toBeUndefined();
  });

  it('ends a trailers-only answer with its status, whatever the HTTP status', () => {
    expect(statusFromResponse({ ...grpc, 'grpc-status': '14', 'grpc-message': 'later' })).toEqual({
      code: status.UNAVAILABLE,
      message: 'later',
    });
  });

  it('maps HTTP errors as gRPC does, and a 200 that is not gRPC to UNKNOWN', () => {
    const code = (s: number) => statusFromResponse({ ':status': s })?.code;
    expect([400, 401, 403, 404, 429, 502, 503, 504, 500].map(code)).toEqual([
      status.INTERNAL,
      status.UNAUTHENTICATED,
      status.PERMISSION_DENIED,
      status.UNIMPLEMENTED,
      status.UNAVAILABLE,
      status.UNAVAILABLE,
      status.UNAVAILABLE,
      status.UNAVAILABLE,
      status.UNKNOWN,
    ]);
    expect(statusFromResponse({ ':status': 200, 'content-type': 'text/html' })).toEqual({
      code: status.UNKNOWN,
      message: 'received content-type text/html',
    });
  });
});

describe('statusFromReset', () => {
  it('maps RST_STREAM codes, and a lost connection to UNAVAILABLE', () => {
    expect(statusFromReset(constants.NGHTTP2_REFUSED_STREAM, false).code).toBe(status.UNAVAILABLE);
    expect(statusFromReset(constants.NGHTTP2_CANCEL, false).code).toBe(status.CANCELLED);
    expect(statusFromReset(constants.NGHTTP2_ENHANCE_YOUR_CALM, false).code).toBe(status.RESOURCE_EXHAUSTED);
    expect(statusFromReset(constants.NGHTTP2_INTERNAL_ERROR, false).code).toBe(status.INTERNAL);
    expect(statusFromReset(constants.NGHTTP2_NO_ERROR, false).code).toBe(status.INTERNAL);
    expect(statusFromReset(constants.NGHTTP2_CANCEL, true).code).toBe(status.UNAVAILABLE);
  });
});
