// The parent link of each span a buffered trace holds, read from its encoded bytes (span_id is field 2
// of an OTLP Span, parent_span_id field 4; every other field is skipped unread). The usage ledger needs
// them only to settle a trace with two or more spans that carry usage or calls (ledger.ts).

import { WIRE_LEN, WireReader } from '../otlp/wire.ts';
import type { SpanLink } from './ledger.ts';

const EMPTY = new Uint8Array(0);

export function spanLink(bytes: Uint8Array): SpanLink {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new WireReader(buf);
  let id: Uint8Array = EMPTY;
  let parent: Uint8Array = EMPTY;
  while (!r.done) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if ((field === 2 || field === 4) && (tag & 7) === WIRE_LEN) {
      if (field === 2) id = r.bytes();
      else parent = r.bytes();
      if (id.length && parent.length) break;
    } else r.skip(tag & 7);
  }
  return [id, parent];
}

/** The links of every span in the groups (each span's encoded bytes). */
export function* bufferedLinks(groups: readonly { spans: readonly Uint8Array[] }[]): Iterable<SpanLink> {
  for (const g of groups) for (const bytes of g.spans) yield spanLink(bytes);
}
