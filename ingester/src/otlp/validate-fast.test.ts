// The span scan (WireSpan with validate-fast.ts) must accept exactly the spans validate-wire.ts's
// table-driven walk accepts: the walk is the readable statement of the rules and the one that explains
// a refusal, the scan is what runs. Compared here on spans corrupted by flipped, inserted and removed
// bytes, starting from spans that hold every kind of field (events, links, status, nested values,
// unknown fields).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arrayValue,
  attribute,
  double,
  fixed64,
  int,
  kv,
  kvlistValue,
  len,
  message,
  nested,
  span,
  str,
  uint,
} from '../testing/otlp-builder.ts';
import { agentSpans, sdkProtobuf } from '../testing/sdk-spans.ts';
import { decodeTraceRequest } from './decode-proto.ts';
import { INVALID } from './validate-fast.ts';
import { checkWire, SPAN } from './validate-wire.ts';
import { WireError } from './wire.ts';
import { WireSpan } from './wire-span.ts';

const now = BigInt(Date.now()) * 1_000_000n;
const event = len(11, message(fixed64(1, now), len(2, 'retry'), len(3, kv('attempt', int(2n))), uint(4, 1)));
const link = len(
  13,
  message(
    len(1, Buffer.alloc(16, 7)),
    len(2, Buffer.alloc(8, 9)),
    len(3, 'k=v'),
    len(4, kv('rel', str('follows'))),
    uint(5, 0),
    Buffer.from([0x35, 1, 0, 0, 0]), // flags (fixed32)
  ),
);
const rich = span(
  { name: 'chat' },
  len(4, Buffer.alloc(8, 3)),
  len(3, 'vendor=1'),
  attribute('gen_ai.input.messages', str('[{"role":"user"}]')),
  attribute('koder.rating.score', double(4, 0.5)),
  attribute('list', arrayValue(str('a'), int(3n), double(4, 1.5))),
  attribute('map', kvlistValue(kv('inner', nested(3)), kv('b', len(7, Buffer.from([1, 2]))))),
  attribute('error.type', str('timeout')),
  // Payloads of 7 and 3 bytes still frame whole when their tag says fixed64 or fixed32 instead.
  attribute('b7', len(7, Buffer.from('1234567'))),
  attribute('b3', len(7, Buffer.from('123'))),
  attribute('s7', str('1234567')),
  attribute('a7', arrayValue(str('12345'))),
  uint(10, 2),
  event,
  uint(12, 0),
  link,
  uint(14, 1),
  len(15, message(len(2, 'upstream failed'), uint(3, 2))),
  Buffer.from([0x85, 1, 1, 0, 0, 0]), // flags (field 16, fixed32)
  len(99, 'a field from a newer OTLP'),
);

function tableWalkAccepts(b: Buffer): boolean {
  try {
    checkWire(b, 0, b.length, SPAN, 'span');
    return true;
  } catch {
    return false;
  }
}

/** Whether the scan accepts; 'number-too-long' where only it reads a varint as a number. */
function scanAccepts(b: Buffer): boolean | 'number-too-long' {
  try {
    new WireSpan(b, 0, b.length);
    return true;
  } catch (err) {
    if (err instanceof WireError && err.message === 'varint too long') return 'number-too-long';
    if (err !== INVALID && !(err instanceof WireError)) throw err;
    return false;
  }
}

const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('remove' as const), at: fc.nat(), byte: fc.constant(0) }),
  // Another wire type in what may be a tag: the mistakes the rules are most about.
  fc.record({ op: fc.constant('wire' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 7 }) }),
);

function mutate(
  base: Buffer,
  ops: { op: 'flip' | 'insert' | 'remove' | 'wire'; at: number; byte: number }[],
): Buffer {
  let b = Buffer.from(base);
  for (const { op, at, byte } of ops) {
    const i = at % (b.length + (op === 'insert' ? 1 : 0) || 1);
    if (op === 'flip') b[i] = byte;
    else if (op === 'wire') b[i] = ((b[i] as number) & ~7) | byte;
    else if (op === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
    else b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
  }
  return b;
}

describe('the span scan and the table-driven walk', () => {
  it('accept the same spans, however they are corrupted', async () => {
    const sdk = decodeTraceRequest(sdkProtobuf(await agentSpans())).resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => Buffer.from(s.raw as Uint8Array))),
    );
    const bases = [...sdk, rich];
    for (const b of bases) expect([tableWalkAccepts(b), scanAccepts(b)]).toEqual([true, true]);
    let refused = 0;
    fc.assert(
      fc.property(
        // Half the runs on the span that holds every kind of field.
        fc.oneof(fc.constant(bases.length - 1), fc.nat(bases.length - 1)),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (which, ops) => {
          const b = mutate(bases[which] as Buffer, ops);
          const walk = tableWalkAccepts(b);
          const scan = scanAccepts(b);
          if (scan === 'number-too-long') return; // the walk skips such a varint; the scan refuses it
          if (!walk) refused++;
          expect(scan).toBe(walk);
        },
      ),
      { seed: 20261128, numRuns: 15_000 },
    );
    // The corruptions reach the rules, not only the framing: a good share is refused, a good share not.
    expect(refused).toBeGreaterThan(1500);
    expect(refused).toBeLessThan(13_500);
  }, 60_000);

  it('refuse the limits alike: keys, ids of links, times, nesting', () => {
    const cases = [
      attribute('k'.repeat(1025), str('v')),
      len(13, message(len(1, Buffer.alloc(15, 1)), len(2, Buffer.alloc(8, 1)))),
      fixed64(8, 2n ** 63n),
      len(11, message(fixed64(1, 2n ** 63n + 5n))),
      attribute('deep', nested(65)),
      len(15, message(uint(2, 1))),
    ];
    for (const extra of cases) {
      const b = span({}, extra);
      expect([tableWalkAccepts(b), scanAccepts(b)]).toEqual([false, false]);
    }
    const ok = span({}, attribute('deep', nested(64)), attribute('k'.repeat(1024), str('v')));
    expect([tableWalkAccepts(ok), scanAccepts(ok)]).toEqual([true, true]);
  });
});
