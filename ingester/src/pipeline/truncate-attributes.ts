// Caps string attribute values at the tenant's maxAttributeValueBytes. A cut value ends with a visible
// marker saying how much was cut, so nobody mistakes it for the whole text.
import type { AnyValue, Attribute, TraceBatch } from '../otlp/model.ts';

export function truncationMarker(cutBytes: number): string {
  return `…[truncated ${cutBytes} bytes]`;
}

/** Cuts s to at most max UTF-8 bytes (marker included), on a character boundary. */
export function truncateUtf8(s: string, max: number): string | undefined {
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes <= max) return undefined;
  const buf = Buffer.from(s, 'utf8');
  let keep = Math.max(0, max - Buffer.byteLength(truncationMarker(bytes), 'utf8'));
  while (keep > 0 && ((buf[keep] as number) & 0xc0) === 0x80) keep--; // not inside a code point
  return buf.toString('utf8', 0, keep) + truncationMarker(bytes - keep);
}

function capValue(v: AnyValue, max: number, counter: { n: number }): AnyValue {
  if (typeof v === 'string') {
    const cut = truncateUtf8(v, max);
    if (cut === undefined) return v;
    counter.n++;
    return cut;
  }
  if (Array.isArray(v)) return v.map((x) => capValue(x, max, counter));
  if (v && typeof v === 'object' && 'kvlist' in v) return { kvlist: capAttributes(v.kvlist, max, counter) };
  return v;
}

function capAttributes(attrs: Attribute[], max: number, counter: { n: number }): Attribute[] {
  for (const a of attrs) a.value = capValue(a.value, max, counter);
  return attrs;
}

/** Returns how many values were cut. Spans whose whole encoding is under the limit are skipped. */
export function truncateAttributes(batch: TraceBatch, max: number): number {
  const counter = { n: 0 };
  for (const rs of batch.resourceSpans) {
    capAttributes(rs.resource.attributes, max, counter);
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        // No value inside can be longer than the span.
        const length = span.unchangedLength ?? span.raw?.length;
        if (length !== undefined && length <= max) continue;
        const before = counter.n;
        capAttributes(span.attributes, max, counter);
        if (counter.n !== before) span.raw = null;
      }
    }
  }
  return counter.n;
}
