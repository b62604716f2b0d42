import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agentSpans, sdkProtobuf } from '../testing/sdk-spans.ts';
import { spanFields } from '../testing/spans.ts';
import { OtlpDecodeError } from './decode-error.ts';
import { decodeTraceRequest } from './decode-proto.ts';
import { encodeTraceRequest } from './encode-proto.ts';
import {
  getAttribute,
  KEY_ERROR_TYPE,
  KEY_GENAI,
  KEY_KODER,
  StatusCode,
  spanCount,
  spanMayHaveKeys,
} from './model.ts';

const spans = await agentSpans();
const request = sdkProtobuf(spans);

describe('protobuf decode/encode', () => {
  it('decodes what the OTel SDK encodes', () => {
    const batch = decodeTraceRequest(request);
    expect(spanCount(batch)).toBe(4);
    const rs = batch.resourceSpans[0];
    expect(getAttribute(rs?.resource.attributes ?? [], 'service.name')).toBe('agent-svc');
    const decoded = rs?.scopeSpans[0]?.spans ?? [];
    expect(rs?.scopeSpans[0]?.scope).toMatchObject({ name: 'koder-test', version: '1.2.3' });
    const chat = decoded.find((s) => s.name === 'chat gpt-4o' && s.attributes.length > 0);
    const sdkChat = spans.find((s) => s.name === 'chat gpt-4o' && Object.keys(s.attributes).length > 0);
    expect(chat).toBeDefined();
    expect(Buffer.from(chat?.traceId ?? []).toString('hex')).toBe(sdkChat?.spanContext().traceId);
    expect(Buffer.from(chat?.spanId ?? []).toString('hex')).toBe(sdkChat?.spanContext().spanId);
    expect(getAttribute(chat?.attributes ?? [], 'gen_ai.usage.input_tokens')).toBe(1200n);
    expect(getAttribute(chat?.attributes ?? [], 'gen_ai.request.temperature')).toBe(0.2);
    expect(getAttribute(chat?.attributes ?? [], 'gen_ai.request.stream')).toBe(false);
    expect(getAttribute(chat?.attributes ?? [], 'gen_ai.response.finish_reasons')).toEqual(['tool_calls']);
    expect(chat?.kind).toBe(3);
    expect(chat?.events).toHaveLength(1);
    const tool = decoded.find((s) => s.name.startsWith('execute_tool'));
    expect(tool?.status).toEqual({ code: StatusCode.ERROR, message: 'order service timed out' });
    expect(tool?.links).toHaveLength(1);
    expect(tool?.endTimeUnixNano).toBeGreaterThanOrEqual(tool?.startTimeUnixNano ?? 0n);
  });

  it('re-encodes unchanged spans byte for byte', () => {
    const batch = decodeTraceRequest(request);
    const again = decodeTraceRequest(encodeTraceRequest(batch));
    const raw = (b: typeof batch) =>
      b.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.raw)));
    expect(raw(again)).toEqual(raw(batch));
  });

  it('encodes changed spans from their fields, with the same content', () => {
    const batch = decodeTraceRequest(request);
    const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
    const fields = (b: typeof batch) =>
      b.resourceSpans.flatMap((r) =>
        r.scopeSpans.flatMap((ss) =>
          ss.spans.map(spanFields).map(({ traceId, spanId, parentSpanId, events, links, ...rest }) => ({
            ...rest,
            ids: [traceId, spanId, parentSpanId].map(hex),
            events: events.map(hex),
            links: links.map(hex),
          })),
        ),
      );
    const before = fields(batch);
    for (const s of batch.resourceSpans[0]?.scopeSpans[0]?.spans ?? []) s.raw = null;
    const encoded = encodeTraceRequest(batch);
    // The SDK writes zero-valued fields explicitly; we omit them (proto3 defaults), so we are shorter.
    expect(encoded.length).toBeLessThan(request.length);
    expect(fields(decodeTraceRequest(encoded))).toEqual(before);
  });

  it('rejects a span whose trace id is not 16 bytes, saying where', () => {
    const batch = decodeTraceRequest(request);
    const span = batch.resourceSpans[0]?.scopeSpans[0]?.spans[2];
    if (!span) throw new Error('fixture');
    span.traceId = new Uint8Array(3);
    span.raw = null;
    expect(() => decodeTraceRequest(encodeTraceRequest(batch))).toThrow(
      new OtlpDecodeError('resource_spans[0].scope_spans[0].spans[2].trace_id: must be 16 bytes, got 3'),
    );
  });

  it('never throws anything but OtlpDecodeError on arbitrary or truncated input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          decodeTraceRequest(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(OtlpDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
    for (let cut = 1; cut < request.length; cut += 7) {
      try {
        decodeTraceRequest(request.subarray(0, cut));
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
      }
    }
  });
});

describe('attribute key classes recorded while scanning', () => {
  it('never miss a GenAI, error.type or koder.* key that decoding finds', () => {
    const keyArb = fc.oneof(
      fc.constantFrom(
        'gen_ai.request.model',
        'llm.model_name',
        'openinference.span.kind',
        'traceloop.span.kind',
      ),
      fc.constantFrom('error.type', 'error.types', 'koder.prompt.version', 'http.route', 'g', 'e', 'k', ''),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 6 }), (keys) => {
        const template = decodeTraceRequest(request).resourceSpans[0]?.scopeSpans[0]?.spans[3];
        if (!template) throw new Error('fixture');
        template.attributes = keys.map((key) => ({ key, value: 'v' }));
        template.raw = null;
        const batch = decodeTraceRequest(request);
        const scope = batch.resourceSpans[0]?.scopeSpans[0];
        if (!scope) throw new Error('fixture');
        scope.spans = [template];
        const span = decodeTraceRequest(encodeTraceRequest(batch)).resourceSpans[0]?.scopeSpans[0]?.spans[0];
        if (!span) throw new Error('no span');
        const has = (re: RegExp) => keys.some((k) => re.test(k));
        if (has(/^(gen_ai|llm|openinference|traceloop)\./))
          expect(spanMayHaveKeys(span, KEY_GENAI)).toBe(true);
        else expect(spanMayHaveKeys(span, KEY_GENAI)).toBe(false);
        expect(spanMayHaveKeys(span, KEY_ERROR_TYPE)).toBe(keys.includes('error.type'));
        expect(spanMayHaveKeys(span, KEY_KODER)).toBe(has(/^koder\./));
      }),
      { numRuns: 500 },
    );
  });
});
