import { describe, expect, it } from 'vitest';
import { agentSpans, sdkJson, sdkProtobuf } from '../testing/sdk-spans.ts';
import { spanFields } from '../testing/spans.ts';
import { OtlpDecodeError } from './decode-error.ts';
import { decodeTraceRequestJson } from './decode-json.ts';
import { decodeEvent, decodeLink } from './decode-parts.ts';
import { decodeTraceRequest } from './decode-proto.ts';
import { encodeTraceRequest } from './encode-proto.ts';
import type { TraceBatch } from './model.ts';

const spans = await agentSpans();

/** Everything a batch says, with bytes as hex, independent of how it was encoded. */
function content(batch: TraceBatch) {
  const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
  return batch.resourceSpans.map((rs) => ({
    resource: rs.resource.attributes,
    schemaUrl: rs.schemaUrl,
    scopes: rs.scopeSpans.map((ss) => ({
      scope: [ss.scope.name, ss.scope.version],
      spans: ss.spans.map(spanFields).map(({ traceId, spanId, parentSpanId, events, links, ...rest }) => ({
        ...rest,
        ids: [traceId, spanId, parentSpanId].map(hex),
        events: events.map(decodeEvent),
        links: links.map((l) => {
          const { traceId: t, spanId: s, ...more } = decodeLink(l);
          return { ...more, ids: [t, s].map(hex) };
        }),
      })),
    })),
  }));
}

describe('OTLP/JSON decode', () => {
  it('reads what the OTel SDK writes as JSON the same as its protobuf', () => {
    const fromJson = decodeTraceRequestJson(sdkJson(spans));
    const fromProto = decodeTraceRequest(sdkProtobuf(spans));
    expect(content(fromJson)).toEqual(content(fromProto));
    expect(
      fromProto.resourceSpans[0]?.scopeSpans[0]?.spans.some((s) => s.events.length && s.links.length === 0),
    ).toBe(true);
    // Through our encoder, the JSON input yields the same protobuf content.
    expect(content(decodeTraceRequest(encodeTraceRequest(fromJson)))).toEqual(content(fromProto));
  });

  it('accepts numbers for 64-bit integers, enum names and snake_case field names', () => {
    const batch = decodeTraceRequestJson(
      JSON.stringify({
        resource_spans: [
          {
            scope_spans: [
              {
                spans: [
                  {
                    trace_id: '5b8efff798038103d269b633813fc60c',
                    span_id: 'eee19b7ec3c1b174',
                    name: 'chat',
                    kind: 'SPAN_KIND_CLIENT',
                    start_time_unix_nano: 1544712660000000000,
                    endTimeUnixNano: '1544712661000000000',
                    attributes: [
                      { key: 'n', value: { intValue: 42 } },
                      { key: 'big', value: { intValue: '9007199254740993' } },
                      { key: 'b', value: { bytesValue: 'AQID' } },
                      {
                        key: 'l',
                        value: { arrayValue: { values: [{ stringValue: 'a' }, { doubleValue: 1.5 }] } },
                      },
                      {
                        key: 'm',
                        value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } },
                      },
                    ],
                    status: { code: 'STATUS_CODE_ERROR' },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const span = batch.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    expect(span?.kind).toBe(3);
    expect(span?.status.code).toBe(2);
    expect(span?.startTimeUnixNano).toBe(1544712660000000000n);
    expect(span?.attributes.map((a) => a.value)).toEqual([
      42n,
      9007199254740993n,
      Buffer.from([1, 2, 3]),
      ['a', 1.5],
      { kvlist: [{ key: 'k', value: true }] },
    ]);
  });

  it.each([
    ['not JSON', '{"resourceSpans": [', /^malformed JSON/],
    ['base64 trace id', spanJson({ traceId: 'W47/95gDgQPSabYzgT/GDA==' }), /traceId: expected 32 hex digits/],
    ['short span id', spanJson({ spanId: 'abcd' }), /spans\[0\]\.spanId: expected 16 hex digits/],
    [
      'int64 as float',
      spanJson({ startTimeUnixNano: 1.5 }),
      /startTimeUnixNano: expected nanoseconds as an unsigned integer/,
    ],
    [
      'spans not a list',
      '{"resourceSpans":[{"scopeSpans":[{"spans":{}}]}]}',
      /scopeSpans\[0\]\.spans: expected an array/,
    ],
  ])('rejects %s with a message that says where', (_name, body, message) => {
    expect(() => decodeTraceRequestJson(body)).toThrow(OtlpDecodeError);
    expect(() => decodeTraceRequestJson(body)).toThrow(message);
  });
});

function spanJson(overrides: Record<string, unknown>): string {
  const span = {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    name: 'x',
    ...overrides,
  };
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
}
