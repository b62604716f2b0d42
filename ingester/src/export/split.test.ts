import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { encodeTraceRequest, requestSize } from '../otlp/encode-proto.ts';
import { spanCount, type TraceBatch } from '../otlp/model.ts';
import { attribute, request, span, str } from '../testing/otlp-builder.ts';
import { splitBatch } from './split.ts';

/** A request with `n` spans per resource, each carrying `contentBytes` of prompt-like text. */
function batch(resources: number, n: number, contentBytes: number): TraceBatch {
  const parts = Array.from({ length: resources }, (_, r) =>
    request(
      Array.from({ length: n }, () =>
        span({}, attribute('gen_ai.input.messages', str('x'.repeat(contentBytes)))),
      ),
      { service: `svc-${r}` },
    ),
  );
  return decodeTraceRequest(Buffer.concat(parts));
}

const ids = (b: TraceBatch) =>
  b.resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => Buffer.from(s.spanId).toString('hex'))),
  );

describe('splitBatch', () => {
  it('keeps every span once, in order, with its resource, and every part under the limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 2000, max: 60_000 }),
        (resources, n, contentBytes, limit) => {
          const b = batch(resources, n, contentBytes);
          const parts = splitBatch(b, limit);
          expect(parts.flatMap(ids)).toEqual(ids(b));
          for (const p of parts) {
            const bytes = requestSize(p);
            // Only a part holding a single span larger than the limit may exceed it.
            if (bytes > limit) expect(spanCount(p)).toBe(1);
            const back = decodeTraceRequest(encodeTraceRequest(p));
            for (const rs of back.resourceSpans)
              expect(rs.resource.attributes.find((a) => a.key === 'service.name')).toBeDefined();
          }
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('leaves a batch under the limit whole', () => {
    const b = batch(2, 5, 100);
    expect(splitBatch(b, 1 << 20)).toHaveLength(1);
  });
});
