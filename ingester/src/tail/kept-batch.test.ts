// Stamping a kept span in its bytes must give what stamping the decoded span gives: the same
// tracestate, attributes (the stamp's keys last) and everything else, without decoding its content.
import { describe, expect, it } from 'vitest';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import type { Span } from '../otlp/model.ts';
import { ADJUSTED_COUNT_ATTRIBUTE, RULE_ATTRIBUTE } from '../sample/sampler.ts';
import { thresholdFor } from '../sample/threshold.ts';
import { attribute, len, request, span, str } from '../testing/otlp-builder.ts';
import { spanFields } from '../testing/spans.ts';
import { type Stamp, stampBytes, stampSpan } from './kept-batch.ts';

const decoded = (bytes: Buffer): Span => {
  const s = decodeTraceRequest(request([bytes])).resourceSpans[0]?.scopeSpans[0]?.spans[0] as Span;
  return { ...spanFields(s), raw: null };
};

const content = attribute('gen_ai.input.messages', str('[{"role":"user","parts":[]}]'));
const cases: [string, Buffer][] = [
  ['no tracestate', span({}, content)],
  ['another vendor’s tracestate', span({}, len(3, 'vendor=x'), content)],
  ['a threshold that arrived', span({}, len(3, 'ot=th:8;rv:abcdefabcdefab,vendor=x'), content)],
  ['the tracestate last', span({}, content, len(3, 'ot=th:c'))],
];
const stamps: Stamp[] = [
  { threshold: 0n, rule: 'keep-errors' },
  { threshold: thresholdFor(0.1), rule: 'default' },
];

describe('stampBytes', () => {
  for (const stamp of stamps)
    it.each(cases)(`stamps %s as the decoded path does (threshold ${stamp.threshold})`, (_name, bytes) => {
      const out = stampBytes(bytes, stamp);
      expect(out).toBeDefined();
      const want = decoded(bytes);
      stampSpan(want, stamp);
      const got = decoded(out as Buffer);
      expect(got.traceState).toBe(want.traceState);
      expect(got.attributes).toEqual(want.attributes);
      expect({ ...got, attributes: [], traceState: '' }).toEqual({ ...want, attributes: [], traceState: '' });
    });

  it('leaves a span that already has a stamp key to the decoded path', () => {
    for (const key of [ADJUSTED_COUNT_ATTRIBUTE, RULE_ATTRIBUTE])
      expect(stampBytes(span({}, attribute(key, str('x'))), stamps[0] as Stamp)).toBeUndefined();
  });
});
