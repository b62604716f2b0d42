// The trace table: search filters as controls, sortable columns, pages, all kept in the URL.
import type { ComponentChildren } from 'preact';
import { api, type TraceRow } from './api.ts';
import * as fmt from './format.ts';
import { linkClick, navigate, withParams } from './router.ts';
import { ErrorState, FirstTrace, Loading } from './states.tsx';
import { useApi } from './use-api.ts';

export const RANGES: Record<string, number | null> = {
  '15m': 15 * 60_000,
  '1h': 3600_000,
  '6h': 6 * 3600_000,
  '24h': 24 * 3600_000,
  '7d': 7 * 24 * 3600_000,
  '30d': 30 * 24 * 3600_000,
  all: null,
};
const DEFAULT_RANGE = '24h';

/** Filters passed to the API as they are in the page URL. */
const TEXT_FILTERS = [
  ['q', 'Text', 'e.g. refund kettle'],
  ['service', 'Service', 'e.g. support-agent'],
  ['name', 'Span name', 'e.g. chat gpt-4o'],
  ['model', 'Model', 'e.g. gpt-4o'],
  ['provider', 'Provider', 'e.g. openai'],
  ['promptId', 'Prompt id', 'e.g. support-answer'],
  ['promptVersion', 'Prompt version', 'e.g. v3'],
  ['conversationId', 'Conversation', ''],
  ['requestId', 'Request id', ''],
  ['userId', 'User', 'e.g. user-42'],
  ['minDurationMs', 'Min duration (ms)', 'e.g. 1000'],
  ['minRating', 'Min rating (0–1)', ''],
  ['maxRating', 'Max rating (0–1)', ''],
] as const;
const API_PARAMS = [...TEXT_FILTERS.map(([k]) => k), 'error', 'attr', 'cursor', 'order'];

/** Columns the API sorts (over all results) and those sorted within the page (computed per page). */
const COLUMNS: { key: string; label: string; api?: string; page?: (r: TraceRow) => number | string }[] = [
  { key: 'start', label: 'Time', api: 'start' },
  { key: 'rootName', label: 'Root span', api: 'rootName' },
  { key: 'service', label: 'Service', api: 'service' },
  { key: 'duration', label: 'Duration', api: 'duration' },
  { key: 'spans', label: 'Spans', api: 'spans' },
  { key: 'tokens', label: 'Tokens in / out', api: 'tokens' },
  { key: 'cost', label: 'Cost', page: (r) => r.costUsd ?? -1 }, // unknown sorts below $0
  { key: 'models', label: 'Models', page: (r) => r.models.join(',') },
  { key: 'prompt', label: 'Prompt version', page: (r) => r.promptVersions.join(',') },
  { key: 'rating', label: 'Rating', api: 'rating' },
  { key: 'errors', label: 'Error', api: 'errors' },
];

function searchQuery(url: URL): URLSearchParams {
  const q = new URLSearchParams();
  for (const k of API_PARAMS) for (const v of url.searchParams.getAll(k)) if (v) q.append(k, v);
  const window = RANGES[url.searchParams.get('range') ?? DEFAULT_RANGE];
  if (window) q.set('start', String(Date.now() - window));
  const sort = COLUMNS.find((c) => c.key === url.searchParams.get('sort'));
  if (sort?.api) q.set('sort', sort.api);
  else q.delete('order'); // page sorts leave the API order alone
  q.set('limit', '50');
  return q;
}

export function TracesPage({ url }: { url: URL }) {
  const query = searchQuery(url);
  const key =
    new URLSearchParams([...query].filter(([k]) => k !== 'start')).toString() + url.searchParams.get('range');
  const result = useApi(key, () => api.search(query));
  const filtered = [...url.searchParams.keys()].some(
    (k) => !['range', 'sort', 'order', 'page', 'cursor'].includes(k),
  );
  return (
    <main class="traces-page">
      <Filters url={url} />
      {result.error ? (
        <ErrorState error={result.error} retry={result.reload} />
      ) : !result.data ? (
        <Loading what="traces" />
      ) : result.data.traces.length === 0 && !url.searchParams.has('cursor') ? (
        <NoTraces url={url} filtered={filtered} />
      ) : (
        <TraceTable url={url} rows={result.data.traces} next={result.data.next} loading={result.loading} />
      )}
    </main>
  );
}

/**
 * Nothing to show: when the tenant has no trace at all (whatever the filters and time range), how to
 * send the first one; otherwise that nothing matches, and a way back to everything.
 */
function NoTraces({ url, filtered }: { url: URL; filtered: boolean }) {
  const any = useApi('any-trace', () => api.search(new URLSearchParams({ limit: '1' })));
  if (any.error) return <ErrorState error={any.error} retry={any.reload} />;
  if (!any.data) return <Loading what="traces" />;
  if (any.data.traces.length === 0) return <FirstTrace />;
  const range = url.searchParams.get('range') ?? DEFAULT_RANGE;
  return (
    <div class="state empty">
      <p>
        {filtered
          ? 'No traces match these filters.'
          : `No traces in the ${range === 'all' ? 'store' : `last ${range}`}.`}
      </p>
      <button type="button" onClick={() => navigate('/?range=all')}>
        {filtered ? 'Clear filters and show all time' : 'Show all time'}
      </button>
    </div>
  );
}

function Filters({ url }: { url: URL }) {
  const p = url.searchParams;
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const q = new URLSearchParams();
    for (const [k, v] of form) {
      const text = String(v).trim();
      if (k === 'attr') for (const a of text.split(';')) a.trim() && q.append('attr', a.trim());
      else if (text) q.set(k, text);
    }
    for (const k of ['sort', 'order']) if (p.get(k)) q.set(k, p.get(k) as string);
    navigate(`/?${q}`);
  };
  return (
    <form class="filters" onSubmit={submit} aria-label="Search traces">
      <label>
        Time
        <select
          name="range"
          value={p.get('range') ?? DEFAULT_RANGE}
          onChange={(e) => e.currentTarget.form?.requestSubmit()}
        >
          {Object.keys(RANGES).map((r) => (
            <option value={r}>{r === 'all' ? 'All time' : `Last ${r}`}</option>
          ))}
        </select>
      </label>
      {TEXT_FILTERS.map(([k, label, example]) => (
        <label>
          {label}
          <input name={k} value={p.get(k) ?? ''} placeholder={example} />
        </label>
      ))}
      <label>
        Status
        <select
          name="error"
          value={p.get('error') ?? ''}
          onChange={(e) => e.currentTarget.form?.requestSubmit()}
        >
          <option value="">Any</option>
          <option value="true">With errors</option>
          <option value="false">Without errors</option>
        </select>
      </label>
      <label class="wide">
        Attributes
        <input
          name="attr"
          value={p.getAll('attr').join('; ')}
          placeholder="e.g. key=value; other.key=value"
        />
      </label>
      <div class="actions">
        <button type="submit">Search</button>
        <a href="/" onClick={(e) => linkClick(e, '/')}>
          Clear
        </a>
      </div>
    </form>
  );
}

function TraceTable({
  url,
  rows,
  next,
  loading,
}: {
  url: URL;
  rows: TraceRow[];
  next?: string;
  loading: boolean;
}) {
  const sortKey = url.searchParams.get('sort') ?? 'start';
  const ascending = url.searchParams.get('order') === 'asc';
  const column = COLUMNS.find((c) => c.key === sortKey);
  const shown = column?.page ? sortPage(rows, column.page, ascending) : rows;
  const page = Number(url.searchParams.get('page') ?? '1');
  const sortBy = (key: string) => {
    const asc = key === sortKey ? !ascending : false;
    navigate(
      withParams(url, {
        sort: key === 'start' && !asc ? null : key,
        order: asc ? 'asc' : null,
        cursor: null,
        page: null,
      }),
    );
  };
  const open = (id: string) => navigate(`/traces/${id}`);
  const onKey = (e: KeyboardEvent, id: string) => {
    const row = e.currentTarget as HTMLElement;
    if (e.key === 'Enter') open(id);
    else if (e.key === 'ArrowDown') (row.nextElementSibling as HTMLElement | null)?.focus();
    else if (e.key === 'ArrowUp') (row.previousElementSibling as HTMLElement | null)?.focus();
    else return;
    e.preventDefault();
  };
  return (
    <section class={loading ? 'table-wrap loading' : 'table-wrap'} aria-busy={loading}>
      <table class="traces">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th
                scope="col"
                aria-sort={c.key === sortKey ? (ascending ? 'ascending' : 'descending') : undefined}
                title={c.page ? 'Sorts the traces on this page' : 'Sorts all matching traces'}
              >
                <button type="button" onClick={() => sortBy(c.key)}>
                  {c.label}
                  {c.key === sortKey ? (ascending ? ' ▲' : ' ▼') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr
              tabIndex={0}
              class={r.error ? 'error' : undefined}
              onClick={() => open(r.traceId)}
              onKeyDown={(e) => onKey(e, r.traceId)}
              data-trace-id={r.traceId}
            >
              <td>{fmt.time(r.startTimeUnixNano)}</td>
              <td class="name">
                <a
                  href={`/traces/${r.traceId}`}
                  onClick={(e) => linkClick(e, `/traces/${r.traceId}`)}
                  tabIndex={-1}
                >
                  {r.rootName ?? '(root not received)'}
                </a>
                {r.match ? <Match match={r.match} /> : r.preview && <Preview preview={r.preview} />}
              </td>
              <td>{r.rootService ?? '—'}</td>
              <td class="num">{fmt.duration(r.durationMs)}</td>
              <td class="num">{r.spanCount}</td>
              <td
                class="num"
                title={`cache read ${r.tokens.cacheRead}, cache write ${r.tokens.cacheCreation}, reasoning ${r.tokens.reasoning}`}
              >
                {fmt.tokens(r.tokens.input)} / {fmt.tokens(r.tokens.output)}
              </td>
              <td class="num" title={fmt.costWhy(r)}>
                {fmt.cost(r)}
              </td>
              <td>{r.models.join(', ') || '—'}</td>
              <td>{r.promptVersions.join(', ') || '—'}</td>
              <td class="num">{fmt.rating(r.rating)}</td>
              <td>{r.error ? <span class="badge error">error</span> : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager" aria-label="Pages">
        {page > 1 && (
          <button type="button" onClick={() => navigate(withParams(url, { cursor: null, page: null }))}>
            ⏮ First page
          </button>
        )}
        <span>Page {page}</span>
        {next && (
          <button
            type="button"
            onClick={() => navigate(withParams(url, { cursor: next, page: String(page + 1) }))}
          >
            Next page ▶
          </button>
        )}
      </nav>
    </section>
  );
}

function sortPage(rows: TraceRow[], key: (r: TraceRow) => number | string, ascending: boolean): TraceRow[] {
  const sign = ascending ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return (
      sign * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)))
    );
  });
}

/** What the trace was asked and answered, a line each (cut by the server, ellipsed to the cell). */
function Preview({ preview }: { preview: NonNullable<TraceRow['preview']> }) {
  return (
    <div class="preview">
      {preview.input && (
        <div class="preview-input" title={preview.input}>
          <span class="preview-mark">in</span> {preview.input}
        </div>
      )}
      {preview.output && (
        <div class="preview-output" title={preview.output}>
          <span class="preview-mark">out</span> {preview.output}
        </div>
      )}
    </div>
  );
}

/** Where a full-text search matched: the piece of text, its matches marked. */
function Match({ match }: { match: NonNullable<TraceRow['match']> }) {
  const parts: ComponentChildren[] = [];
  let at = 0;
  for (const [start, end] of match.highlights) {
    parts.push(match.text.slice(at, start), <mark>{match.text.slice(start, end)}</mark>);
    at = end;
  }
  parts.push(match.text.slice(at));
  return <div class="match">{parts}</div>;
}
