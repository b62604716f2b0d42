// What a user typed into a full-text search, as terms both backends search for: the embedded store's
// FTS5 index (store/full-text.ts) and TraceQL's regular expressions over Tempo (backend/traceql.ts).

const MAX_TERMS = 16;

/** The words and "quoted phrases" of a search, `word*` a prefix; at most 16, each with a letter or digit. */
export function searchTerms(text: string): { phrase: string; prefix: boolean }[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)]
    .map((m) => ({
      phrase: (m[1] ?? m[2] ?? '').replace(/"/g, ''),
      prefix: !m[1] && (m[2]?.endsWith('*') ?? false),
    }))
    .map((t) => ({ ...t, phrase: t.prefix ? t.phrase.slice(0, -1) : t.phrase }))
    .filter((t) => /[\p{L}\p{N}]/u.test(t.phrase))
    .slice(0, MAX_TERMS);
}
