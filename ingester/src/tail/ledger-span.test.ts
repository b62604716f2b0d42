// The ledger span's hand-written encoding must be the protobuf the generic encoder writes for the same
// span, and read back to the same values.
import { describe, expect, it } from 'vitest';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { encodeSpan, encodeTraceRequest } from '../otlp/encode-proto.ts';
import { FixedKey, type FixedValue } from '../otlp/fixed-attributes.ts';
import { type Attribute, SpanKind } from '../otlp/model.ts';
import { testSpan } from '../testing/spans.ts';
import { ledgerSpan } from './ledger-span.ts';

const values: [string, FixedValue][] = [
  ['flag', true],
  ['off', false],
  ['count', 0n],
  ['big', 2n ** 40n + 7n],
  ['text', 'héllo ✓'],
  ['empty', ''],
  ['ms', 12.5],
  ['list', ['a', 'bé', '']],
  ['none', []],
];

describe('ledgerSpan', () => {
  for (const parent of [new Uint8Array(8).fill(9), new Uint8Array(0)])
    it(`writes what the generic encoder writes (parent of ${parent.length} bytes)`, () => {
      const fields = {
        traceId: new Uint8Array(16).fill(1),
        spanId: new Uint8Array(8).fill(2),
        parentSpanId: parent,
        name: 'koder.usage',
        start: 1_700_000_000_000_000_000n,
        end: 1_700_000_000_500_000_000n,
      };
      const span = ledgerSpan({ ...fields, attributes: values.map(([k, v]) => [new FixedKey(k), v]) });
      const attributes: Attribute[] = values.map(([key, value]) => ({
        key,
        value: Array.isArray(value) ? [...value] : (value as Attribute['value']),
      }));
      const generic = testSpan({
        raw: null,
        traceId: fields.traceId,
        spanId: fields.spanId,
        parentSpanId: parent,
        name: fields.name,
        kind: SpanKind.INTERNAL,
        startTimeUnixNano: fields.start,
        endTimeUnixNano: fields.end,
        attributes,
        flags: 1,
      });
      expect(Buffer.from(encodeSpan(span))).toEqual(Buffer.from(encodeSpan(generic)));
      expect(span.attributes).toEqual(attributes);
      const [back] =
        decodeTraceRequest(
          encodeTraceRequest({
            resourceSpans: [
              {
                resource: { attributes: [], droppedAttributesCount: 0, unknown: [] },
                schemaUrl: '',
                scopeSpans: [{ scope: { raw: null, name: '', version: '' }, spans: [span], schemaUrl: '' }],
              },
            ],
          }),
        ).resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
      expect(back?.attributes).toEqual(attributes);
      expect(Buffer.from(back?.parentSpanId ?? [])).toEqual(Buffer.from(parent));
    });
});
