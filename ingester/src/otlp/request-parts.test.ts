// Requests encoded as parts: unchanged spans stay views of the bytes they came in (a run of them one
// view), changed spans are encoded, and the parts joined are the request the batch encodes to.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attribute, len, message, request, span, str, tag } from '../testing/otlp-builder.ts';
import { spanFields } from '../testing/spans.ts';
import { decodeTraceRequest } from './decode-proto.ts';
import { encodeTraceRequestParts, joinRequests, requestSize } from './encode-proto.ts';
import type { Span, TraceBatch } from './model.ts';

const prompt = (i: number) => attribute('gen_ai.input.messages', str(`prompt ${i} `.repeat(40)));
const body = request(Array.from({ length: 20 }, (_, i) => span({ name: `chat ${i}` }, prompt(i))));
const spansOf = (b: TraceBatch): Span[] =>
  b.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const fields = (b: TraceBatch) =>
  spansOf(b)
    .map(spanFields)
    .map(({ traceId, spanId, parentSpanId, events, links, ...rest }) => ({
      ...rest,
      ids: [traceId, spanId, parentSpanId].map(hex),
      events: events.map(hex),
      links: links.map(hex),
    }));
/** Parts that are views of the received request's bytes. */
const viewsOf = (parts: readonly Uint8Array[], of: Buffer) =>
  parts.filter(
    (p) =>
      p.buffer === of.buffer && p.byteOffset >= of.byteOffset && p.byteOffset < of.byteOffset + of.length,
  );

describe('requests as parts', () => {
  it('leaves a run of unchanged spans as one view of the received bytes', () => {
    const batch = decodeTraceRequest(body);
    const r = encodeTraceRequestParts(batch);
    const views = viewsOf(r.parts, body);
    expect(views).toHaveLength(1);
    const spanBytes = spansOf(batch).reduce((n, s) => n + (s.raw?.length ?? 0), 0);
    expect(views[0]?.length).toBeGreaterThan(spanBytes);
    expect(r.length).toBe(requestSize(batch));
    expect(joinRequests([r]).equals(body)).toBe(true);
  });

  it('encodes changed spans apart, the runs around them staying views', () => {
    const batch = decodeTraceRequest(body);
    const changed = spansOf(batch)[7] as Span;
    changed.name = 'renamed';
    changed.raw = null;
    const r = encodeTraceRequestParts(batch);
    expect(viewsOf(r.parts, body)).toHaveLength(2);
    expect(fields(decodeTraceRequest(joinRequests([r])))).toEqual(fields(batch));
    expect(r.length).toBe(requestSize(batch));
  });

  it('writes its own header for a span whose length came as a longer varint than needed', () => {
    const s = span({ name: 'padded' });
    // The length as two varint bytes where one would do: decoders accept it, the view must not.
    const padded = message(tag(2, 2), Buffer.from([(s.length & 0x7f) | 0x80, s.length >> 7]), s);
    const resource = len(1, message(len(1, message(tag(1, 2), Buffer.from([0])))));
    const odd = len(1, message(resource, len(2, message(len(1, len(1, 'test')), padded))));
    const batch = decodeTraceRequest(odd);
    const joined = joinRequests([encodeTraceRequestParts(batch)]);
    expect(joined.length).toBe(requestSize(batch));
    expect(fields(decodeTraceRequest(joined))).toEqual(fields(batch));
  });

  it('copies the spans kept from a request whose other spans were dropped, so it is not held whole', () => {
    const big = request(Array.from({ length: 200 }, (_, i) => span({ name: `s${i}` }, prompt(i))));
    const batch = decodeTraceRequest(big);
    const ss = batch.resourceSpans[0]?.scopeSpans[0];
    if (ss) ss.spans = ss.spans.slice(0, 3);
    const r = encodeTraceRequestParts(batch);
    expect(viewsOf(r.parts, big)).toHaveLength(0);
    expect(fields(decodeTraceRequest(joinRequests([r])))).toEqual(fields(batch));
  });

  it('joined, are the request the batch encodes to, whatever is kept, dropped or changed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('keep', 'drop', 'change'), { minLength: 20, maxLength: 20 }),
        (fate) => {
          const batch = decodeTraceRequest(body);
          const ss = batch.resourceSpans[0]?.scopeSpans[0];
          if (!ss) throw new Error('no scope');
          ss.spans = ss.spans.filter((_, i) => fate[i] !== 'drop');
          ss.spans.forEach((s, i) => {
            if (fate.filter((f) => f !== 'drop')[i] === 'change') {
              s.name = `changed ${i}`;
              s.raw = null;
            }
          });
          const r = encodeTraceRequestParts(batch);
          expect(r.length).toBe(requestSize(batch));
          const joined = joinRequests([r]);
          expect(joined.length).toBe(r.length);
          expect(fields(decodeTraceRequest(joined))).toEqual(fields(batch));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('joins several requests into one (requests concatenated are one request)', () => {
    const a = encodeTraceRequestParts(decodeTraceRequest(body));
    const b = encodeTraceRequestParts(decodeTraceRequest(body));
    const joined = joinRequests([a, b]);
    expect(joined.length).toBe(a.length + b.length);
    expect(spansOf(decodeTraceRequest(joined))).toHaveLength(40);
  });
});
