// Where a trace matches a full-text search, found in its spans' text (for backends without a text
// index, Tempo): the first span that holds a term, a piece of its text around the first hit, and every
// hit of any term in that piece — the shape the embedded store's FTS5 snippet gives.
import { spanText, type TextMatch } from '../store/full-text.ts';
import { searchTerms } from './search-terms.ts';
import type { SpanRow } from './span.ts';

/** Characters kept either side of the first hit. */
const AROUND = 80;

/** A term as a JavaScript pattern: its words in order, at word starts, any case, accents as typed. */
function termRegex({ phrase, prefix }: { phrase: string; prefix: boolean }): string {
  const words = phrase.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const body = words.map((w) => w.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('[^\\p{L}\\p{N}]+');
  return `(?<![\\p{L}\\p{N}])${body}${prefix ? '' : '(?![\\p{L}\\p{N}])'}`;
}

export function textMatch(rows: readonly SpanRow[], text: string): TextMatch | undefined {
  const terms = searchTerms(text);
  if (!terms.length) return undefined;
  const any = new RegExp(terms.map(termRegex).join('|'), 'giu');
  for (const row of rows) {
    const said = [row.name, spanText(row)].filter(Boolean).join('\n');
    any.lastIndex = 0;
    const first = any.exec(said);
    if (!first) continue;
    const from = Math.max(0, first.index - AROUND);
    const to = Math.min(said.length, first.index + first[0].length + AROUND);
    const lead = from > 0 ? '…' : '';
    const piece = `${lead}${said.slice(from, to)}${to < said.length ? '…' : ''}`;
    const highlights: [number, number][] = [];
    any.lastIndex = 0;
    for (const m of said.slice(from, to).matchAll(any))
      highlights.push([lead.length + m.index, lead.length + m.index + m[0].length]);
    return { spanId: row.span_id, text: piece, highlights };
  }
  return undefined;
}
