// A span's attributes as an ordered map while a normaliser works on them, with the few moves every
// mapping needs: move a key (never overwriting a value already in the target), read typed values.
import type { AnyValue, Attribute } from '../otlp/model.ts';

export type Attrs = Map<string, AnyValue>;

/**
 * A lookup table for text a client sent (span kinds, event names, parameter names): it has no
 * prototype, so "constructor", "toString" or "__proto__" find nothing instead of Object's members.
 */
export function lookupTable<T>(entries: Record<string, T>): Readonly<Record<string, T | undefined>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

export const toMap = (attrs: readonly Attribute[]): Attrs => new Map(attrs.map((a) => [a.key, a.value]));
export const toList = (m: Attrs): Attribute[] => [...m].map(([key, value]) => ({ key, value }));

/** Moves `from` to `to` (optionally mapping the value); an existing `to` wins and `from` is dropped. */
export function move(m: Attrs, from: string, to: string, map?: (v: AnyValue) => AnyValue | undefined): void {
  if (!m.has(from)) return;
  const v = m.get(from) as AnyValue;
  m.delete(from);
  if (m.has(to)) return;
  const mapped = map ? map(v) : v;
  if (mapped !== undefined) m.set(to, mapped);
}

/** Sets `to` from a value only when it is not set yet. */
export function setDefault(m: Attrs, to: string, v: AnyValue | undefined): void {
  if (v !== undefined && !m.has(to)) m.set(to, v);
}

export function str(v: AnyValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Token counts arrive as ints, doubles or strings depending on the SDK: normalise to int64. */
export function int(v: AnyValue | undefined): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.round(v));
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return BigInt(v.trim());
  return undefined;
}

export function parseJson(v: AnyValue | undefined): unknown {
  if (typeof v !== 'string') return undefined;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** Keys of the form `${prefix}N.rest` grouped by N (ascending): flattened lists of OpenLLMetry/OpenInference. */
export function indexed(m: Attrs, prefix: string): Map<number, Map<string, AnyValue>> {
  const out = new Map<number, Map<string, AnyValue>>();
  for (const [k, v] of m) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    const dot = rest.indexOf('.');
    const n = Number(dot < 0 ? rest : rest.slice(0, dot));
    if (!Number.isInteger(n) || dot < 0) continue;
    let entry = out.get(n);
    if (!entry) {
      entry = new Map();
      out.set(n, entry);
    }
    entry.set(rest.slice(dot + 1), v);
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

export function deletePrefix(m: Attrs, prefix: string): void {
  for (const k of [...m.keys()]) if (k.startsWith(prefix)) m.delete(k);
}
