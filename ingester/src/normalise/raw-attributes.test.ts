// Normalising and counting from the bytes must give exactly what decoding every attribute gives: each
// attribute set below goes through normaliseSpan twice — as received over protobuf (the fast path may
// decide from keys alone) and as a decoded span without bytes (every normaliser runs) — and the two
// must agree. Spans already in the current conventions must leave with their content never decoded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { getAttribute, type Span } from '../otlp/model.ts';
import {
  arrayValue,
  attribute,
  double,
  int,
  kvlistValue,
  len,
  message,
  request,
  span,
  str,
  uint,
} from '../testing/otlp-builder.ts';
import { spanFields } from '../testing/spans.ts';
import { normaliseSpan } from './normalise.ts';
import { AttributePicker, hasDuplicateKey, rawAttributes, rawValue } from './raw-attributes.ts';

const boolValue = (b: boolean) => Buffer.from([0x10, b ? 1 : 0]);
const CURRENT = [
  attribute('gen_ai.operation.name', str('chat')),
  attribute('gen_ai.provider.name', str('openai')),
  attribute('gen_ai.request.model', str('gpt-4o')),
  attribute('gen_ai.response.model', str('gpt-4o-2024-08-06')),
  attribute('gen_ai.usage.input_tokens', int(480n)),
  attribute('gen_ai.usage.output_tokens', int(230n)),
  attribute('gen_ai.response.finish_reasons', arrayValue(str('stop'))),
  attribute(
    'gen_ai.input.messages',
    str(JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }])),
  ),
  attribute(
    'gen_ai.output.messages',
    str(JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'hello' }] }])),
  ),
];

const sets: [string, Buffer[]][] = [
  ['current conventions', CURRENT],
  ['plain', [attribute('http.route', str('/x'))]],
  ['provider to rename', [...CURRENT.slice(0, 1), attribute('gen_ai.provider.name', str('OpenAI'))]],
  ['provider as a number', [attribute('gen_ai.provider.name', int(5n))]],
  [
    'tokens as a double',
    [attribute('gen_ai.operation.name', str('chat')), attribute('gen_ai.usage.input_tokens', double(4, 12))],
  ],
  ['tokens as a string', [attribute('gen_ai.usage.output_tokens', str('12'))]],
  ['tokens as a bool', [attribute('gen_ai.usage.output_tokens', boolValue(true))]],
  ['finish reasons as a string', [attribute('gen_ai.response.finish_reasons', str('stop'))]],
  ['duplicate key', [...CURRENT, attribute('gen_ai.request.model', str('other'))]],
  ['gen_ai.system', [attribute('gen_ai.system', str('Anthropic'))]],
  [
    'old token names',
    [attribute('gen_ai.usage.prompt_tokens', int(3n)), attribute('gen_ai.usage.completion_tokens', int(4n))],
  ],
  ['total tokens', [...CURRENT, attribute('gen_ai.usage.total_tokens', int(710n))]],
  ['seed', [attribute('gen_ai.openai.request.seed', int(7n))]],
  ['cache write', [attribute('gen_ai.usage.cache_write.input_tokens', int(7n))]],
  ['flat prompt JSON', [attribute('gen_ai.prompt', str('[{"role":"user","content":"hi"}]'))]],
  [
    'OpenLLMetry flat',
    [attribute('gen_ai.prompt.0.role', str('user')), attribute('gen_ai.prompt.0.content', str('hi'))],
  ],
  ['OpenLLMetry request type', [attribute('llm.request.type', str('chat'))]],
  ['traceloop', [attribute('traceloop.span.kind', str('workflow'))]],
  [
    'OpenInference',
    [attribute('openinference.span.kind', str('LLM')), attribute('llm.model_name', str('gpt-4o'))],
  ],
  ['OpenInference without kind', [attribute('llm.token_count.prompt', int(3n))]],
  [
    'documents in the current conventions',
    [
      attribute('gen_ai.operation.name', str('retrieval')),
      attribute('retrieval.documents.0.document.id', str('paris')),
      attribute('retrieval.documents.0.document.content', str('Paris is often sunny in June.')),
    ],
  ],
  [
    'tool payloads',
    [
      attribute('gen_ai.operation.name', str('execute_tool')),
      attribute('gen_ai.tool.call.arguments', str('{"a":1}')),
    ],
  ],
];

function wireSpan(attrs: Buffer[]): Span {
  const batch = decodeTraceRequest(request([span({}, ...attrs)]));
  return batch.resourceSpans[0]?.scopeSpans[0]?.spans[0] as Span;
}
/** The same span decoded in full and without its bytes: every normaliser runs on it. */
function decodedSpan(attrs: Buffer[]): Span {
  const s = wireSpan(attrs);
  return { ...spanFields(s), raw: null };
}

describe('normalising from the bytes', () => {
  for (const capture of ['full', 'metadata', 'none'] as const) {
    it.each(sets)(`agrees with full decoding (${capture}): %s`, (_name, attrs) => {
      const fast = wireSpan(attrs);
      const slow = decodedSpan(attrs);
      const changed = normaliseSpan(fast, capture);
      expect(changed).toBe(normaliseSpan(slow, capture));
      expect(fast.attributes).toEqual(slow.attributes);
      expect(fast.raw === null).toBe(changed);
    });
  }

  it('takes documents out under content capture even when nothing else would change the span', () => {
    const docs = sets.find(([name]) => name === 'documents in the current conventions')?.[1] ?? [];
    expect(normaliseSpan(wireSpan(docs), 'full')).toBe(false);
    const s = wireSpan(docs);
    expect(normaliseSpan(s, 'none')).toBe(true);
    expect(s.attributes.map((a) => a.key)).toEqual([
      'gen_ai.operation.name',
      'retrieval.documents.0.document.id',
    ]);
  });

  it('never decodes the content of a span already in the current conventions', () => {
    const s = wireSpan(CURRENT);
    expect(normaliseSpan(s, 'full')).toBe(false);
    expect(Reflect.get(s, '_attributes')).toBeUndefined();
    const picked = new AttributePicker(['gen_ai.response.model', 'gen_ai.usage.input_tokens']).pick(s);
    expect(picked.get('gen_ai.response.model')).toBe('gpt-4o-2024-08-06');
    expect(picked.get('gen_ai.usage.input_tokens')).toBe(480n);
    expect(Reflect.get(s, '_attributes')).toBeUndefined();
  });

  it('reads the first copy of a key, like getAttribute, and decoded attributes once the span changed', () => {
    const s = wireSpan([attribute('k', str('a')), attribute('k', str('b'))]);
    const picker = new AttributePicker(['k']);
    expect(picker.pick(s).get('k')).toBe('a');
    s.attributes = [{ key: 'k', value: 'c' }];
    s.raw = null;
    expect(rawAttributes(s)).toBeUndefined();
    expect(picker.pick(s).get('k')).toBe('c');
  });

  it('reads int values exactly, small and large, positive and negative', () => {
    const ints = [0n, 1n, 127n, 128n, 300n, 2n ** 48n, 2n ** 49n + 5n, 2n ** 62n, -1n, -(2n ** 63n)];
    const s = wireSpan(ints.map((v, i) => attribute(`gen_ai.usage.n${i}`, int(v))));
    const keys = ints.map((_, i) => `gen_ai.usage.n${i}`);
    const picked = new AttributePicker(keys).pick(s);
    expect(keys.map((k) => picked.get(k))).toEqual(ints);
  });

  it('reads the same attributes from where decoding found them as from walking the bytes again', () => {
    const key = fc.constantFrom(
      'gen_ai.request.model',
      'gen_ai.operation.name',
      'koder.prompt.version',
      'http.route',
      'k',
    );
    const value: fc.Arbitrary<Buffer> = fc.letrec<{ v: Buffer }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.string({ maxLength: 200 }).map(str),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(int),
        fc.double({ noNaN: true }).map((d) => double(4, d)),
        fc.array(tie('v'), { maxLength: 3 }).map((vs) => arrayValue(...vs)),
        fc
          .array(fc.tuple(key, tie('v')), { maxLength: 3 })
          .map((kvs) => kvlistValue(...kvs.map(([k, v]) => message(len(1, k), len(2, v))))),
      ),
    })).v;
    // KeyValues as senders may write them: a key or value repeated (the last wins), unknown fields.
    const keyValue = fc
      .tuple(
        key,
        value,
        fc.constantFrom('plain', 'key twice', 'value twice', 'unknown field', 'no value'),
        key,
        value,
      )
      .map(([k, v, odd, k2, v2]) => {
        if (odd === 'key twice') return message(len(1, k2), len(2, v), len(1, k));
        if (odd === 'value twice') return message(len(1, k), len(2, v2), len(2, v));
        if (odd === 'unknown field') return message(uint(3, 7), len(1, k), len(2, message(v, uint(9, 1))));
        if (odd === 'no value') return message(len(1, k));
        return message(len(1, k), len(2, v));
      });
    const picker = new AttributePicker([
      'gen_ai.request.model',
      'gen_ai.operation.name',
      'koder.prompt.version',
      'http.route',
      'k',
      'absent',
    ]);
    fc.assert(
      // The GenAI key anywhere, with other fields of the span between attributes: decoding records
      // bounds from the first GenAI or koder.* key on, and catches up those before it.
      fc.property(
        fc.array(keyValue, { minLength: 1, maxLength: 12 }),
        fc.nat(12),
        fc.nat(12),
        (kvs, at, nameAt) => {
          const fields = kvs.map((kv) => len(9, kv));
          fields.splice(at, 0, attribute('gen_ai.operation.name', str('chat')));
          fields.splice(nameAt, 0, len(5, 'a span name'));
          const s = wireSpan(fields);
          const fromDecode = rawAttributes(s);
          // The same bytes on a span that does not know where its attributes lie: walked again.
          const walked = rawAttributes({ ...spanFields(s), raw: s.raw, keyClasses: s.keyClasses });
          if (!fromDecode || !walked) throw new Error('not read from the bytes');
          const view = (r: typeof walked) => r.list.map((a) => [a.key, a.cls, a.kind, rawValue(r, a)]);
          expect(view(fromDecode)).toEqual(view(walked));
          expect(fromDecode.classes).toBe(walked.classes);
          // And what full decoding reads (the first copy of each key).
          const decoded = spanFields(s).attributes;
          const keys = [...new Set(decoded.map((a) => a.key)), 'absent'];
          // One picker for all the cases, as the hot path keeps one: no value leaks from span to span.
          picker.pick(s);
          for (const k of keys) expect(picker.get(k)).toEqual(getAttribute(decoded, k));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('tells keys apart that differ only in one byte, in a whole four-byte word or in the tail', () => {
    const keys = [
      'gen_ai.request.model',
      'gen_ai.request.modeX',
      'gen_aX.request.model',
      'gen_ai.requesX.model',
    ];
    const picker = new AttributePicker(keys);
    // Each key in every position (the slot cache compares against the key last seen there).
    for (let shift = 0; shift < keys.length; shift++) {
      const order = keys.map((_, i) => keys[(i + shift) % keys.length] as string);
      const s = wireSpan(order.map((k) => attribute(k, str(`value of ${k}`))));
      picker.pick(s);
      for (const k of keys) expect(picker.get(k)).toBe(`value of ${k}`);
      expect(hasDuplicateKey(rawAttributes(s)?.list ?? [])).toBe(false);
    }
  });

  it('finds a repeated key as comparing the strings would, whether or not its keys are interned', () => {
    const pool = ['gen_ai.request.model', 'gen_ai.request.modeX', 'k', 'kk', 'http.route', 'gen_ai.system'];
    const check = (names: string[]) =>
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 10 }), (keys) => {
          const list = rawAttributes(wireSpan(keys.map((k) => attribute(k, str('v')))))?.list ?? [];
          expect(list.map((a) => a.key)).toEqual(keys);
          expect(hasDuplicateKey(list)).toBe(new Set(keys).size !== keys.length);
        }),
        { numRuns: 300 },
      );
    check(pool);
    // The table of interned keys is bounded: fill it, then mix keys it holds with keys it cannot take.
    for (let n = 0; n < 3; n++)
      rawAttributes(
        wireSpan(Array.from({ length: 2048 }, (_, i) => attribute(`filler.${n}.${i}`, str('v')))),
      );
    const late = ['late.a', 'late.b', 'late.a.b'];
    expect(
      rawAttributes(wireSpan(late.map((k) => attribute(k, str('v')))))?.list.map((a) => a.keyId),
    ).toEqual([-1, -1, -1]);
    check([...pool, ...late]);
  });
});
