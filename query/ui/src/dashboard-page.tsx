// The dashboard: LLM calls, tokens, cost, latency, error rate and ratings over time, grouped by model,
// service, prompt version, end user or tenant (GET /api/v1/dashboard, reweighted by sampling), as a
// table of groups over the range and a chart per figure.
import { useMemo } from 'preact/hooks';
import { api, type DashboardFigures } from './api.ts';
import { FIGURE_HEADS, FigureCells } from './call-figures.tsx';
import * as fmt from './format.ts';
import { DEFAULT_CHART_RANGE, RangePicker, rangeQuery } from './range.tsx';
import { linkClick, navigate, withParams } from './router.ts';
import { ErrorState, Loading } from './states.tsx';
import { type Buckets, type Metric, TimeChart } from './time-chart.tsx';
import { useApi } from './use-api.ts';

const BUCKETS = '24';
const GROUPINGS = {
  model: 'Model',
  service: 'Service',
  promptVersion: 'Prompt version',
  user: 'User',
  tenant: 'Tenant',
};
type Grouping = keyof typeof GROUPINGS;

const METRICS: Metric<DashboardFigures>[] = [
  { title: 'LLM calls', value: (g) => g.calls, format: (n) => fmt.tokens(Math.round(n)) },
  {
    title: 'Tokens (input + output)',
    value: (g) => g.tokens.input + g.tokens.output,
    format: (n) => fmt.tokens(Math.round(n)),
  },
  { title: 'Cost', value: (g) => g.costUsd, format: (n) => fmt.usd(n) },
  { title: 'Latency p95', value: (g) => g.latencyP95Ms, format: (n) => fmt.duration(n) },
  { title: 'Error rate', value: (g) => g.errorRate, format: (n) => `${(n * 100).toFixed(1)}%` },
  {
    title: 'Average rating',
    value: (g) => g.rating?.average ?? null,
    format: (n) => `${Math.round(n * 100)}%`,
  },
];

/** The trace table filtered to one group, where a filter can say it. */
function tracesOf(by: Grouping, key: string, range: string): string | undefined {
  if (key.startsWith('(')) return undefined; // (none), (other)
  const q = new URLSearchParams({ range });
  if (by === 'model') q.set('model', key);
  else if (by === 'service') q.set('service', key);
  else if (by === 'user') q.set('userId', key);
  else if (by === 'promptVersion') {
    const at = key.lastIndexOf('@');
    q.set('promptId', key.slice(0, at));
    if (key.slice(at + 1) !== '(none)') q.set('promptVersion', key.slice(at + 1));
  } else return undefined;
  return `/?${q}`;
}

export function DashboardPage({ url }: { url: URL }) {
  const range = url.searchParams.get('range') ?? DEFAULT_CHART_RANGE;
  const by = (url.searchParams.get('by') ?? 'model') as Grouping;
  const result = useApi(`dashboard ${by} ${range}`, () =>
    api.dashboard(rangeQuery(url, { by, buckets: BUCKETS })),
  );
  const chart = useMemo(
    (): Buckets<DashboardFigures> | undefined =>
      result.data && {
        keys: result.data.groups.map((g) => g.key),
        keyOf: (g) => g.key,
        buckets: result.data.series.map((b) => ({ startTimeUnixNano: b.startTimeUnixNano, items: b.groups })),
      },
    [result.data],
  );
  const d = result.data;
  return (
    <main class="dashboard-page">
      <header class="page-head">
        <h1>Dashboard</h1>
        <label>
          By{' '}
          <select value={by} onChange={(e) => navigate(withParams(url, { by: e.currentTarget.value }))}>
            {Object.entries(GROUPINGS).map(([k, label]) => (
              <option value={k}>{label}</option>
            ))}
          </select>
        </label>
        <RangePicker url={url} />
      </header>
      {result.error ? (
        <ErrorState error={result.error} retry={result.reload} />
      ) : !d || !chart ? (
        <Loading what="the dashboard" />
      ) : d.groups.length === 0 ? (
        <p class="state empty">No LLM calls or ratings in this time range.</p>
      ) : (
        <>
          {d.partial && (
            <p class="notice" role="status">
              These figures cover only traces from {fmt.time(d.partial.fromTimeUnixNano)} on (
              {d.partial.traces} read): {d.partial.reason}.
            </p>
          )}
          <table class="versions dashboard">
            <thead>
              <tr>
                {[GROUPINGS[by], ...FIGURE_HEADS].map((h) => (
                  <th scope="col">{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {d.groups.map((g) => {
                const to = tracesOf(by, g.key, range);
                return (
                  <tr>
                    <td>
                      {to ? (
                        <a href={to} onClick={(e) => linkClick(e, to)}>
                          {g.key}
                        </a>
                      ) : (
                        g.key
                      )}
                    </td>
                    <FigureCells f={{ ...g, input: g.tokens.input, output: g.tokens.output }} />
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p class="hint">
            {d.estimated
              ? "Some spans were sampled: figures are reweighted by each span's adjusted count, estimates of all traffic."
              : 'Nothing in this range was sampled out: figures are exact.'}{' '}
            Latency is of LLM calls, within 1 %.
          </p>
          <div class="charts">
            {METRICS.map((m) => (
              <TimeChart data={chart} metric={m} />
            ))}
          </div>
        </>
      )}
    </main>
  );
}
