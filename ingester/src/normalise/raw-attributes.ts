// A span's attributes read from the bytes it arrived in, without decoding what nobody asks for: the
// keys (short strings), the wire type of each value, and a value decoded only when a stage wants that
// one key. LLM spans carry kilobytes of prompt and completion text in a few attributes; turning those
// into JS strings (and the attribute list into objects) is most of what the hot path spent on them,
// although unchanged spans leave as their original bytes and usage counting needs only the model and
// token counts.
import { readAnyValue } from '../otlp/any-value-proto.ts';
import { type AnyValue, GENAI_KEY_PREFIXES, type Span } from '../otlp/model.ts';
import { WIRE_LEN, WireError, WireReader } from '../otlp/wire.ts';
import { isContentKey } from './content-capture.ts';

// Classes of keys, worked out once per distinct key (keys repeat across spans) so that a stage asks
// "does this span have any key that…" with bit tests.
/** A GenAI key (see GENAI_KEY_PREFIXES). */
export const K_GENAI = 1;
/** A key some normaliser maps or drops (OpenInference, OpenLLMetry, older GenAI names). */
export const K_MAPPED = 2;
/** A token count, rewritten unless it is an intValue. */
export const K_TOKENS = 4;
/** gen_ai.response.finish_reasons, rewritten when it is a single string. */
export const K_FINISH_REASONS = 8;
/** gen_ai.provider.name, rewritten unless already the current name. */
export const K_PROVIDER = 16;
/** Message or tool content: what content capture other than `full` removes or rewrites. */
export const K_CONTENT = 32;

const MAPPED_KEYS = new Set([
  'openinference.span.kind', // OpenInference
  'llm.request.type', // OpenLLMetry
  'gen_ai.prompt', // older OpenLLMetry flat content
  'gen_ai.completion',
  'gen_ai.system', // older OTel GenAI names
  'gen_ai.usage.prompt_tokens',
  'gen_ai.usage.completion_tokens',
  'gen_ai.openai.request.seed',
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.total_tokens',
  'gen_ai.usage.cache_read_input_tokens', // OpenLLMetry's cache names
  'gen_ai.usage.cache_creation_input_tokens',
]);
const MAPPED_PREFIXES = ['llm.', 'traceloop.', 'gen_ai.prompt.', 'gen_ai.completion.', 'ai.'];
const TOKEN_KEYS = new Set([
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.reasoning.output_tokens',
]);

export function classifyKey(key: string): number {
  let cls = 0;
  if (GENAI_KEY_PREFIXES.some((p) => key.startsWith(p))) cls |= K_GENAI;
  if (MAPPED_KEYS.has(key) || MAPPED_PREFIXES.some((p) => key.startsWith(p))) cls |= K_MAPPED;
  if (TOKEN_KEYS.has(key)) cls |= K_TOKENS;
  if (key === 'gen_ai.response.finish_reasons') cls |= K_FINISH_REASONS;
  if (key === 'gen_ai.provider.name') cls |= K_PROVIDER;
  if (isContentKey(key)) cls |= K_CONTENT;
  return cls;
}

interface Interned {
  bytes: Buffer;
  /** The same bytes, read four at a time when compared. */
  view: DataView;
  text: string;
  /** Its index in its table (below MAX_INTERNED), or -1 when not kept there: made for one use. */
  id: number;
}

interface KeyInfo extends Interned {
  cls: number;
}

/**
 * Short strings seen so far, by a hash of their bytes: attribute keys, and the short values usage
 * counts by (operation, model, prompt version). They repeat across spans, so a repeat costs a hash and
 * a byte comparison, no new string. Bounded, since clients choose them; one that does not fit, or
 * collides, is decoded each time.
 */
const MAX_INTERNED = 4096;
const internedKeys = new Map<number, KeyInfo>();
const internedValues = new Map<number, Interned>();

/** A view of the last buffer compared against, made once per buffer (it keeps one request's body alive until the next). */
let viewed: Buffer | undefined;
let view: DataView = new DataView(new ArrayBuffer(0));

/**
 * Whether the interned bytes are the bytes at [s, e) of `buf`. Four bytes at a time: a span's keys
 * are compared in full (a hash alone can be made to collide), and byte by byte this was half of what
 * reading an LLM span's attributes cost.
 */
function sameBytes(known: Interned, buf: Buffer, s: number, e: number): boolean {
  const n = e - s;
  if (known.bytes.length !== n) return false;
  if (viewed !== buf) {
    view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    viewed = buf;
  }
  const mine = known.view;
  let i = 0;
  for (; i + 4 <= n; i += 4) if (mine.getUint32(i, true) !== view.getUint32(s + i, true)) return false;
  for (; i < n; i++) if (known.bytes[i] !== buf[s + i]) return false;
  return true;
}

const interning = (bytes: Buffer) => ({
  bytes,
  view: new DataView(bytes.buffer, bytes.byteOffset, bytes.length),
});

function interned<T extends Interned>(
  table: Map<number, T>,
  buf: Buffer,
  s: number,
  e: number,
  make: (text: string, bytes: Buffer) => T,
): T {
  let h = 0x811c9dc5 ^ (e - s);
  for (let i = s; i < e; i++) h = Math.imul(h ^ (buf[i] as number), 16777619);
  const hit = table.get(h);
  if (hit && sameBytes(hit, buf, s, e)) return hit;
  const info = make(buf.toString('utf8', s, e), Buffer.from(buf.subarray(s, e)));
  if (!hit && table.size < MAX_INTERNED) {
    info.id = table.size;
    table.set(h, info);
  }
  return info;
}

const makeKey = (text: string, bytes: Buffer): KeyInfo => ({
  text,
  ...interning(bytes),
  id: -1,
  cls: classifyKey(text),
});
const makeValue = (text: string, bytes: Buffer): Interned => ({ text, ...interning(bytes), id: -1 });
const keyAt = (buf: Buffer, s: number, e: number) => interned(internedKeys, buf, s, e, makeKey);

/**
 * The key last seen at each attribute position: spans from one instrumentation list the same keys in
 * the same order, so the key at position i is most often the one before it there, found by comparing
 * bytes with no hash.
 */
const keyBySlot: (KeyInfo | undefined)[] = [];
const MAX_SLOTS = 256;

function keyInSlot(slot: number, buf: Buffer, s: number, e: number): KeyInfo {
  const last = keyBySlot[slot];
  if (last !== undefined && sameBytes(last, buf, s, e)) return last;
  const info = keyAt(buf, s, e);
  if (slot < MAX_SLOTS) keyBySlot[slot] = info;
  return info;
}

/** An attribute as received: its key, and where its AnyValue message lies in the span's bytes. */
export interface RawAttribute {
  key: string;
  /**
   * The key's number among the interned keys (below MAX_INTERNED): equal keys, equal numbers, so
   * keys are told apart without comparing strings. -1 for a key not interned (compare `key` then).
   */
  keyId: number;
  /** K_* classes of the key. */
  cls: number;
  /** The AnyValue message's bounds in `buf` (-1 when the KeyValue has no value). */
  start: number;
  end: number;
  /** The AnyValue's field: which value it holds (1 string, 2 bool, 3 int, 4 double, 5 array, 6 kvlist, 7 bytes), 0 if none. */
  kind: number;
}

export interface RawAttributes {
  buf: Buffer;
  list: RawAttribute[];
  /** The union of the keys' K_* classes. */
  classes: number;
}

const SPAN_ATTRIBUTES = (9 << 3) | WIRE_LEN;
const KEY = (1 << 3) | WIRE_LEN;
const VALUE = (2 << 3) | WIRE_LEN;

/**
 * The attributes of a span still as received (`raw` set), keys read and values left as bytes; undefined
 * when the span has been changed (its attributes are then only in `span.attributes`) or its bytes do
 * not parse (the decoded attributes are the truth then).
 */
export function rawAttributes(span: Span): RawAttributes | undefined {
  const raw = span.raw;
  // Only spans decoded from protobuf (they carry the key scan) are read from their bytes.
  if (raw === null || span.keyClasses === undefined) return undefined;
  // Normalisation and usage counting both read them: scanned once per span's bytes, the scan kept on
  // the span (a WeakMap costs the garbage collector more than the scan saves).
  const kept = (span as { [SCANNED]?: Scanned })[SCANNED];
  if (kept !== undefined && kept.raw === raw) return kept.attrs;
  // Decoding recorded where the attributes lie; other spans are walked here.
  const known = span.attributeBounds?.();
  const attrs = known ? fromBounds(known.buf, known.bounds) : scan(raw);
  (span as { [SCANNED]?: Scanned })[SCANNED] = { raw, attrs };
  return attrs;
}

/** The scan of a span's bytes, kept on the span; a span whose bytes change (or go) is scanned afresh. */
const SCANNED = Symbol('koder.rawAttributes');
interface Scanned {
  raw: Uint8Array;
  attrs: RawAttributes | undefined;
}

function fromBounds(buf: Buffer, bounds: readonly number[]): RawAttributes {
  const list: RawAttribute[] = [];
  let classes = 0;
  for (let i = 0; i < bounds.length; i += 5) {
    const ks = bounds[i] as number;
    const info = ks >= 0 ? keyInSlot(i / 5, buf, ks, bounds[i + 1] as number) : undefined;
    const cls = info?.cls ?? 0;
    classes |= cls;
    const start = bounds[i + 2] as number;
    list.push({
      key: info?.text ?? '',
      keyId: info?.id ?? -1,
      cls,
      start,
      end: bounds[i + 3] as number,
      kind: bounds[i + 4] as number,
    });
  }
  return { buf, list, classes };
}

function scan(raw: Uint8Array): RawAttributes | undefined {
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const list: RawAttribute[] = [];
  let classes = 0;
  try {
    const r = new WireReader(buf);
    while (!r.done) {
      const tag = r.uint32();
      if (tag !== SPAN_ATTRIBUTES) {
        r.skip(tag & 7);
        continue;
      }
      const kvStart = r.payload();
      const kvEnd = r.pos;
      const kv = new WireReader(buf, kvStart, kvEnd);
      let info: KeyInfo | undefined;
      let start = -1;
      let end = -1;
      while (!kv.done) {
        const t = kv.uint32();
        if (t === KEY) {
          const ks = kv.payload();
          info = keyInSlot(list.length, buf, ks, kv.pos);
        } else if (t === VALUE) {
          start = kv.payload();
          end = kv.pos;
        } else kv.skip(t & 7);
      }
      let kind = 0;
      if (start >= 0) {
        // An AnyValue holds one field; if it held more, the last would win, as in decoding.
        const v = new WireReader(buf, start, end);
        while (!v.done) {
          const t = v.uint32();
          kind = t >>> 3;
          v.skip(t & 7);
        }
      }
      const key = info?.text ?? '';
      const cls = info?.cls ?? 0;
      classes |= cls;
      list.push({ key, keyId: info?.id ?? -1, cls, start, end, kind });
    }
  } catch (err) {
    if (err instanceof WireError) return undefined;
    throw err;
  }
  return { buf, list, classes };
}

/** Per interned key, the call of hasDuplicateKey that last saw it. */
const seenIn = new Uint32Array(MAX_INTERNED);
let call = 0;

/** Whether two attributes share a key (the normalisers would merge them): by key number, no string compared. */
export function hasDuplicateKey(list: readonly RawAttribute[]): boolean {
  if (++call === 0xffffffff) {
    seenIn.fill(0);
    call = 1;
  }
  let loose = false;
  for (let i = 0; i < list.length; i++) {
    const id = (list[i] as RawAttribute).keyId;
    if (id < 0) loose = true;
    else if (seenIn[id] === call) return true;
    else seenIn[id] = call;
  }
  if (!loose) return false;
  // A key not interned may equal any other: compared as strings.
  const keys = new Set<string>();
  for (const a of list) {
    if (keys.has(a.key)) return true;
    keys.add(a.key);
  }
  return false;
}

/** By interned key number, the short string value that key had last. */
const lastValueByKey: (Interned | undefined)[] = [];

/** The decoded value of one raw attribute (null when it has none), as span.attributes would hold it. */
export function rawValue(attrs: RawAttributes, a: RawAttribute): AnyValue {
  if (a.start < 0) return null;
  if (a.kind === 1) {
    // A short string (a model or operation name) is interned: a string_value alone in its AnyValue,
    // under 128 bytes, is its tag (0x0a), a one-byte length and the bytes. Longer ones (message
    // content, which nothing here asks for) are decoded each time.
    const buf = attrs.buf;
    const n = buf[a.start + 1] as number;
    if (buf[a.start] === 0x0a && n < 0x80 && a.start + 2 + n === a.end) {
      // Most often the value this key had last time (one model, one provider): compared, not hashed.
      const last = a.keyId >= 0 ? lastValueByKey[a.keyId] : undefined;
      if (last !== undefined && sameBytes(last, buf, a.start + 2, a.end)) return last.text;
      const value = interned(internedValues, buf, a.start + 2, a.end, makeValue);
      if (a.keyId >= 0) lastValueByKey[a.keyId] = value;
      return value.text;
    }
  }
  if (a.kind === 3) {
    // An int that fits in 49 bits (token counts): read without a bigint per byte.
    const buf = attrs.buf;
    if (buf[a.start] === 0x18) {
      let n = 0;
      let mul = 1;
      for (let i = a.start + 1; i < a.end && i < a.start + 8; i++) {
        const b = buf[i] as number;
        n += (b & 0x7f) * mul;
        if (b < 0x80) return i + 1 === a.end ? BigInt(n) : readAnyValue(new WireReader(buf, a.start, a.end));
        mul *= 128;
      }
    }
  }
  return readAnyValue(new WireReader(attrs.buf, a.start, a.end));
}

/**
 * Reads the values of a fixed set of keys, span after span, into one table it keeps: usage counting
 * and the trace ledger ask a few keys of every GenAI span, and a Map per span (grown key by key) was an
 * eighth of what the hot path allocated on LLM spans. The first copy of a key is read, as getAttribute()
 * reads; from the span's bytes when it is unchanged, else from its decoded attributes. Values of other
 * keys are never decoded. What `get` returns holds until the next `pick`.
 */
export class AttributePicker {
  private readonly slots: ReadonlyMap<string, number>;
  private readonly values: AnyValue[];
  /** Which slots the current span filled (a key may be absent, or present with no value: null). */
  private readonly filled: Uint8Array;
  /** By interned key number: 0 not looked up yet, 1 none of the keys, else its slot + 2. */
  private readonly slotById = new Uint16Array(MAX_INTERNED);
  /** Whether a slot may be filled: clearing after a span that had none of the keys costs nothing. */
  private dirty = false;

  constructor(keys: Iterable<string>) {
    this.slots = new Map([...new Set(keys)].map((k, i) => [k, i]));
    this.values = new Array(this.slots.size).fill(null);
    this.filled = new Uint8Array(this.slots.size);
  }

  /** Reads `span`'s values of the keys (`known`: its raw attributes, when the caller has them). */
  pick(span: Span, known?: RawAttributes): this {
    this.clear();
    this.dirty = true;
    const raw = known ?? rawAttributes(span);
    if (raw) {
      for (const a of raw.list) {
        const i = this.slotOf(a);
        if (i >= 0 && this.filled[i] === 0) this.set(i, rawValue(raw, a));
      }
    } else {
      for (const a of span.attributes) {
        const i = this.slots.get(a.key);
        if (i !== undefined && this.filled[i] === 0) this.set(i, a.value);
      }
    }
    return this;
  }

  /** Forgets the last span's values, as if a span without any of the keys was picked. */
  clear(): this {
    if (this.dirty) this.filled.fill(0);
    this.dirty = false;
    return this;
  }

  /** The slot of one of the keys, for `at`. */
  slot(key: string): number {
    const i = this.slots.get(key);
    if (i === undefined) throw new Error(`${key} is not one of the picker's keys`);
    return i;
  }

  /** The picked span's value in a slot (undefined when absent). */
  at(slot: number): AnyValue | undefined {
    return this.filled[slot] === 1 ? this.values[slot] : undefined;
  }

  /** The picked span's value of `key` (undefined when absent or not one of the keys). */
  get(key: string): AnyValue | undefined {
    const i = this.slots.get(key);
    return i !== undefined && this.filled[i] === 1 ? this.values[i] : undefined;
  }

  /** The slot of the attribute's key, or -1: by its key number (no string hashed or compared) when interned. */
  private slotOf(a: RawAttribute): number {
    const id = a.keyId;
    if (id < 0) return this.slots.get(a.key) ?? -1;
    let k = this.slotById[id] as number;
    if (k === 0) {
      k = (this.slots.get(a.key) ?? -1) + 2;
      this.slotById[id] = k;
    }
    return k - 2;
  }

  private set(i: number, value: AnyValue): void {
    this.values[i] = value;
    this.filled[i] = 1;
  }
}
