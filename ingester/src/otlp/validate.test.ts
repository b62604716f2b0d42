// Every span the decoders accept must be storable and exportable: hostile requests are refused with a
// message naming the field, and no input makes a decoder throw anything but OtlpDecodeError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSpanField, otlpJsonValue } from '../testing/arbitraries.ts';
import { HOSTILE_CASES, jsonRequest } from '../testing/hostile-cases.ts';
import { attribute, request, span, str } from '../testing/otlp-builder.ts';
import { agentSpans, sdkJson, sdkProtobuf } from '../testing/sdk-spans.ts';
import { OtlpDecodeError } from './decode-error.ts';
import { decodeTraceRequestJson } from './decode-json.ts';
import { decodeEvent, decodeLink } from './decode-parts.ts';
import { decodeTraceRequest } from './decode-proto.ts';
import { encodeTraceRequest } from './encode-proto.ts';
import { getAttribute, type TraceBatch } from './model.ts';

const decode = (format: 'proto' | 'json', body: Buffer) =>
  format === 'proto' ? decodeTraceRequest(body) : decodeTraceRequestJson(body);

/** Reads every part of every span, as storage and export do. */
function readAll(batch: TraceBatch): void {
  const again = decodeTraceRequest(encodeTraceRequest(batch));
  for (const b of [batch, again])
    for (const rs of b.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) {
          void s.attributes;
          void s.status;
          void s.name;
          s.events.forEach(decodeEvent);
          s.links.forEach(decodeLink);
        }
}

describe('validation at the edge', () => {
  it.each(HOSTILE_CASES.map((c) => [c.name, c] as const))('refuses %s, naming the field', (_name, c) => {
    let thrown: unknown;
    try {
      decode(c.format, c.body);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(OtlpDecodeError);
    expect((thrown as Error).message).toMatch(c.error);
  });

  it('keeps keys such as __proto__ and toString as plain data', () => {
    const body = request([span({}, attribute('__proto__', str('a')), attribute('toString', str('b')))]);
    const s = decodeTraceRequest(body).resourceSpans[0]?.scopeSpans[0]?.spans[0];
    expect(getAttribute(s?.attributes ?? [], '__proto__')).toBe('a');
    expect(getAttribute(s?.attributes ?? [], 'toString')).toBe('b');
    const fromJson = decodeTraceRequestJson(
      jsonRequest({ attributes: [{ key: '__proto__', value: { stringValue: 'x' } }] }),
    );
    expect(fromJson.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.attributes).toEqual([
      { key: '__proto__', value: 'x' },
    ]);
  });

  it('accepts what the OTel SDK sends, in both encodings', async () => {
    const spans = await agentSpans();
    expect(() => readAll(decodeTraceRequest(sdkProtobuf(spans)))).not.toThrow();
    expect(() => readAll(decodeTraceRequestJson(sdkJson(spans)))).not.toThrow();
  });

  it('on any corruption of a valid request, either refuses it cleanly or accepts only what can be read back', async () => {
    const valid = sdkProtobuf(await agentSpans());
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (flips) => {
          const body = Buffer.from(valid);
          for (const [at, byte] of flips) body[at] = byte;
          let batch: TraceBatch;
          try {
            batch = decodeTraceRequest(body);
          } catch (err) {
            expect(err).toBeInstanceOf(OtlpDecodeError);
            return;
          }
          readAll(batch);
        },
      ),
      { seed: 20261128, numRuns: 3000 },
    );
  });

  it('on any JSON, either refuses it cleanly or accepts only what can be read back', () => {
    fc.assert(
      fc.property(otlpJsonValue, jsonSpanField, (v, key) => {
        let batch: TraceBatch;
        try {
          batch = decodeTraceRequestJson(jsonRequest({ [key]: v }));
        } catch (err) {
          expect(err).toBeInstanceOf(OtlpDecodeError);
          return;
        }
        readAll(batch);
      }),
      { seed: 20261128, numRuns: 3000 },
    );
  });
});
