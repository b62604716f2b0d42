// Full-text search in the embedded store (SQLite FTS5): each span's name and content — its GenAI view
// (prompts, completions, system instructions, tool arguments and results) and attributes — indexed as
// it is stored, so a search finds traces by what was said in them, with the matching text highlighted.
import type { DatabaseSync } from 'node:sqlite';
import { type GenAiContent, genAiOf } from '../model/preview.ts';
import { searchTerms } from '../model/search-terms.ts';
import type { SpanRow } from '../model/span.ts';

/** FTS5 table and its link to spans (FTS tables have only rowids): created by migration v18. */
export const FULL_TEXT_MIGRATIONS = [
  `CREATE TABLE span_docs (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, trace_id TEXT NOT NULL,
     span_id TEXT NOT NULL)`,
  'CREATE INDEX span_docs_by_trace ON span_docs (tenant, trace_id)',
  // unicode61 folds case and diacritics: "cafe" finds "Café".
  `CREATE VIRTUAL TABLE span_text USING fts5(name, content, tokenize = 'unicode61 remove_diacritics 2')`,
];

// Message parts' bookkeeping, not what anyone said.
const NOT_TEXT = new Set(['type', 'role', 'id', 'finish_reason', 'mime_type']);

/** The words in a content value: string leaves of messages and tool payloads, bookkeeping left out. */
function words(v: unknown, out: string[], key = ''): void {
  if (typeof v === 'string') {
    if (!NOT_TEXT.has(key)) out.push(v);
  } else if (Array.isArray(v)) for (const x of v) words(x, out, key);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) words(x, out, k);
}

/**
 * What a span said, as searchable text: its status message and, for GenAI spans, the system
 * instructions, input and output messages, tool name, arguments and result.
 */
export function spanText(
  row: Pick<SpanRow, 'view' | 'status_message'>,
  g: GenAiContent = genAiOf(row.view),
): string {
  const out = [row.status_message];
  if (g)
    for (const k of [
      'systemInstructions',
      'inputMessages',
      'outputMessages',
      'toolName',
      'toolCallArguments',
      'toolCallResult',
    ])
      words(g[k], out);
  return out.filter(Boolean).join('\n');
}

/**
 * What a user typed, as an FTS5 query that cannot be a syntax error: words and "quoted phrases", all
 * required, each quoted (FTS5 operators typed by a user are searched as words); `word*` is a prefix.
 * Undefined when nothing searchable is left.
 */
export function ftsQuery(text: string): string | undefined {
  const terms = searchTerms(text);
  return terms.length ? terms.map((t) => `"${t.phrase}"${t.prefix ? '*' : ''}`).join(' ') : undefined;
}

// Markers around matches in a snippet: control characters no stored text keeps (they are escaped in
// JSON views), cut out again into offsets.
const OPEN = '\u0002';
const CLOSE = '\u0003';

export interface TextMatch {
  spanId: string;
  /** A short piece of the matching text. */
  text: string;
  /** [start, end) of each match within text (UTF-16 offsets). */
  highlights: [number, number][];
}

export function highlighted(snippet: string): { text: string; highlights: [number, number][] } {
  let text = '';
  const highlights: [number, number][] = [];
  let start = -1;
  for (const ch of snippet) {
    if (ch === OPEN) start = text.length;
    else if (ch === CLOSE && start >= 0) {
      highlights.push([start, text.length]);
      start = -1;
    } else text += ch;
  }
  return { text, highlights };
}

export function fullText(db: DatabaseSync) {
  const addDoc = db.prepare('INSERT INTO span_docs (tenant, trace_id, span_id) VALUES (?, ?, ?)');
  const addText = db.prepare('INSERT INTO span_text (rowid, name, content) VALUES (?, ?, ?)');
  const forgetText = db.prepare(
    'DELETE FROM span_text WHERE rowid IN (SELECT id FROM span_docs WHERE tenant = ? AND trace_id = ?)',
  );
  const forgetDocs = db.prepare('DELETE FROM span_docs WHERE tenant = ? AND trace_id = ?');
  const snippets = db.prepare(`
    SELECT d.trace_id, d.span_id, snippet(span_text, -1, '${OPEN}', '${CLOSE}', '…', 24) AS snippet
    FROM span_text JOIN span_docs d ON d.id = span_text.rowid
    WHERE span_text MATCH :q AND d.tenant = :tenant AND d.trace_id = :trace
    ORDER BY rank LIMIT 1`);
  return {
    /** Indexes every span of a store written before the index existed. */
    backfill(): void {
      const all = db
        .prepare('SELECT tenant, trace_id, span_id, name, status_message, view FROM spans')
        .iterate();
      for (const r of all as Iterable<SpanRow>) this.index(r);
    },
    /** Indexes a span just stored (inside the store's transaction); `g`: its view's GenAI part, if parsed. */
    index(row: SpanRow, g?: GenAiContent): void {
      const id = addDoc.run(row.tenant, row.trace_id, row.span_id).lastInsertRowid;
      addText.run(id, row.name, spanText(row, g ?? genAiOf(row.view)));
    },
    forget(tenant: string, traceId: string): void {
      forgetText.run(tenant, traceId);
      forgetDocs.run(tenant, traceId);
    },
    /** The search's condition on the trace summary `t`, its query bound as :text. */
    condition: `t.trace_id IN (SELECT d.trace_id FROM span_text JOIN span_docs d ON d.id = span_text.rowid
      WHERE span_text MATCH :text AND d.tenant = t.tenant)`,
    /** The best-matching piece of each trace, for the search rows. */
    matches(tenant: string, traceIds: string[], q: string): Map<string, TextMatch> {
      const out = new Map<string, TextMatch>();
      for (const trace of traceIds) {
        const r = snippets.get({ q, tenant, trace }) as { span_id: string; snippet: string } | undefined;
        if (r) out.set(trace, { spanId: r.span_id, ...highlighted(r.snippet) });
      }
      return out;
    },
  };
}
