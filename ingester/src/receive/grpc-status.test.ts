import { describe, expect, it } from 'vitest';
import { IngestError } from '../errors.ts';
import { decodeRetryInfo, encodeRpcStatus } from '../otlp/responses.ts';
import { errorTrailers, percentEncode } from './grpc-status.ts';

describe('gRPC status headers', () => {
  it('percent-encodes grpc-message as the protocol asks: printable ASCII but %, as is', () => {
    expect(percentEncode('over 1024 bytes: send smaller batches')).toBe(
      'over 1024 bytes: send smaller batches',
    );
    expect(percentEncode('100% full\nretry')).toBe('100%25 full%0Aretry');
    expect(percentEncode('modèle')).toBe('mod%C3%A8le');
    expect(decodeURIComponent(percentEncode('ünïcode % and \t'))).toBe('ünïcode % and \t');
  });

  it('answers an error with its code, message and a RetryInfo for back-pressure, unpadded base64', () => {
    const trailers = errorTrailers(new IngestError('QUEUE_FULL', 'budget in use', 1500));
    expect(trailers['grpc-status']).toBe('14');
    expect(trailers['grpc-message']).toContain('budget in use');
    const details = trailers['grpc-status-details-bin'] as string;
    expect(details).not.toMatch(/=$/);
    const status = Buffer.from(details, 'base64');
    expect(status.equals(encodeRpcStatus(14, trailers['grpc-message'] as string, 1500))).toBe(true);
    expect(decodeRetryInfo(status)).toBe(1500);
  });
});
