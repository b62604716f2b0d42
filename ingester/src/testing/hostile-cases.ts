// Requests that once reached a 200 and then could never be stored ("poison" spans), each with the
// error the ingester now gives instead. Unit tests feed them to the decoders; integration tests send
// them over OTLP/HTTP and OTLP/gRPC to a running stack and check that storage keeps working.
import { randomBytes } from 'node:crypto';
import {
  arrayValue,
  attribute,
  double,
  fixed64,
  int,
  kv,
  len,
  message,
  nested,
  request,
  span,
  str,
  tag,
  uint,
} from './otlp-builder.ts';

export interface HostileCase {
  name: string;
  format: 'proto' | 'json';
  body: Buffer;
  /** What the 400 / INVALID_ARGUMENT message must say. */
  error: RegExp;
}

const hex = (n: number) => randomBytes(n).toString('hex');

/** An OTLP/JSON request with one span; `spanOver` and `resourceAttributes` change it. */
export function jsonRequest(
  spanOver: Record<string, unknown> = {},
  resourceAttributes: unknown[] = [],
): Buffer {
  const now = BigInt(Date.now()) * 1_000_000n;
  return Buffer.from(
    JSON.stringify({
      resourceSpans: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: 'hostile-test' } },
              ...resourceAttributes,
            ],
          },
          scopeSpans: [
            {
              scope: { name: 'test' },
              spans: [
                {
                  traceId: hex(16),
                  spanId: hex(8),
                  name: 'op',
                  kind: 1,
                  startTimeUnixNano: String(now),
                  endTimeUnixNano: String(now + 1_000_000n),
                  ...spanOver,
                },
              ],
            },
          ],
        },
      ],
    }),
  );
}

/** An AnyValue nested `depth` arrays deep, as JSON text (JSON.stringify would overflow the stack). */
function jsonNested(depth: number): string {
  return `${'{"arrayValue":{"values":['.repeat(depth)}{"stringValue":"bottom"}${']}}'.repeat(depth)}`;
}

const proto = (name: string, spanBytes: Buffer, error: RegExp): HostileCase => ({
  name,
  format: 'proto',
  body: request([spanBytes]),
  error,
});
const json = (name: string, body: Buffer, error: RegExp): HostileCase => ({
  name,
  format: 'json',
  body,
  error,
});

export const HOSTILE_CASES: readonly HostileCase[] = [
  json(
    'JSON start time 2^64-1',
    jsonRequest({ startTimeUnixNano: '18446744073709551615' }),
    /startTimeUnixNano: 18446744073709551615 is beyond/,
  ),
  proto(
    'protobuf end time 2^64-1',
    message(span(), fixed64(8, 2n ** 64n - 1n)),
    /end_time_unix_nano: 18446744073709551615 is beyond/,
  ),
  proto(
    'protobuf attribute value with a length beyond its message',
    message(span(), len(9, message(len(1, 'k'), tag(2, 2), Buffer.from([50]), Buffer.from('short')))),
    /malformed protobuf/,
  ),
  proto(
    'protobuf event whose attributes are a varint',
    message(span(), len(11, message(fixed64(1, 1n), len(2, 'e'), uint(3, 7)))),
    /events\[0\]\.attributes: field 3 has wire type 0/,
  ),
  proto(
    'protobuf link with a 3-byte trace id',
    message(span(), len(13, message(len(1, Buffer.alloc(3, 1)), len(2, Buffer.alloc(8, 1))))),
    /links\[0\]\.trace_id: must be 16 bytes, got 3/,
  ),
  proto(
    'protobuf value nested 5,000 deep',
    message(span(), attribute('deep', nested(5000))),
    /nested deeper than 64/,
  ),
  json(
    'JSON value nested 5,000 deep',
    Buffer.from(
      jsonRequest({ attributes: [{ key: 'deep', value: 'DEEP' }] })
        .toString()
        .replace('"DEEP"', jsonNested(5000)),
    ),
    /nested deeper than 64/,
  ),
  json(
    'JSON NaN rating score',
    jsonRequest({ attributes: [{ key: 'koder.rating.score', value: { doubleValue: 'NaN' } }] }),
    /koder\.rating\.score\]: a rating score must be a number from 0 to 1/,
  ),
  proto(
    'protobuf rating score of 7',
    message(span(), attribute('koder.rating.score', double(4, 7))),
    /a rating score must be a number from 0 to 1/,
  ),
  json('JSON kind "constructor"', jsonRequest({ kind: 'constructor' }), /kind: expected an unsigned 32-bit/),
  json(
    'JSON intValue of 5,000 nines',
    jsonRequest({ attributes: [{ key: 'n', value: { intValue: '9'.repeat(5000) } }] }),
    /intValue: expected a signed 64-bit integer/,
  ),
  json('JSON all-zero trace id', jsonRequest({ traceId: '0'.repeat(32) }), /trace_id: all zero/),
  proto('protobuf all-zero span id', span({ span: Buffer.alloc(8) }), /span_id: all zero/),
  proto(
    'protobuf trace id as a varint',
    message(span(), uint(1, 5)),
    /trace_id: field 1 has wire type 0, expected 2/,
  ),
  {
    name: 'protobuf scope attribute with a truncated key',
    format: 'proto',
    body: request([span()], {
      scope: message(len(1, 's'), len(3, message(tag(1, 2), Buffer.from([9]), Buffer.from('k')))),
    }),
    error: /scope: malformed protobuf/,
  },
  {
    name: 'protobuf resource attribute nested 100 deep',
    format: 'proto',
    body: request([span()], { resource: [len(1, kv('deep', nested(100)))] }),
    error: /resource\.attributes\[1\].*nested deeper than 64/,
  },
  proto(
    'protobuf attribute key of 2,000 bytes',
    message(span(), attribute('k'.repeat(2000), str('v'))),
    /longer than 1024 bytes/,
  ),
  proto(
    'protobuf array of int beyond a varint',
    message(span(), attribute('a', arrayValue(int(1n), Buffer.from([0x18, 0xff])))),
    /malformed protobuf/,
  ),
];
