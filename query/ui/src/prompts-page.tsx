// Prompts: the prompt ids seen, and for one prompt the version overlay — rating, error rate, latency
// and cost per version over time, from the overlay API (reweighted by sampling).
import { useMemo } from 'preact/hooks';
import { api, type VersionStats } from './api.ts';
import { FIGURE_HEADS, FigureCells } from './call-figures.tsx';
import * as fmt from './format.ts';
import { DEFAULT_CHART_RANGE, RangePicker, rangeQuery } from './range.tsx';
import { linkClick, withParams } from './router.ts';
import { ErrorState, Loading } from './states.tsx';
import { type Buckets, type Metric, TimeChart } from './time-chart.tsx';
import { useApi } from './use-api.ts';

const BUCKETS = '48';

const METRICS: Metric<VersionStats>[] = [
  { title: 'Average rating', value: (v) => v.avgRating, format: (n) => `${Math.round(n * 100)}%` },
  { title: 'Error rate', value: (v) => v.errorRate, format: (n) => `${(n * 100).toFixed(1)}%` },
  { title: 'Latency p95', value: (v) => v.latencyP95Ms, format: (n) => fmt.duration(n) },
  { title: 'Cost', value: (v) => v.costUsd, format: (n) => fmt.usd(n) },
];

export function PromptsPage({ url }: { url: URL }) {
  const range = url.searchParams.get('range') ?? DEFAULT_CHART_RANGE;
  const result = useApi(`prompts ${range}`, () => api.prompts(rangeQuery(url)));
  return (
    <main class="prompts-page">
      <header class="page-head">
        <h1>Prompts</h1>
        <RangePicker url={url} />
      </header>
      {result.error ? (
        <ErrorState error={result.error} retry={result.reload} />
      ) : !result.data ? (
        <Loading what="prompts" />
      ) : result.data.prompts.length === 0 ? (
        <div class="state empty">
          <p>No prompts in this time range.</p>
          <p>
            Tag LLM spans with <code>koder.prompt.id</code> and <code>koder.prompt.version</code> to compare
            prompt versions here.
          </p>
        </div>
      ) : (
        <table class="prompts">
          <thead>
            <tr>
              <th scope="col">Prompt</th>
              <th scope="col">Versions</th>
              <th scope="col">Calls</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {result.data.prompts.map((p) => {
              const to = withParams(url, {}, `/prompts/${encodeURIComponent(p.promptId)}`);
              return (
                <tr>
                  <td>
                    <a href={to} onClick={(e) => linkClick(e, to)}>
                      {p.promptId}
                    </a>
                  </td>
                  <td>{p.versions.join(', ') || '—'}</td>
                  <td class="num">{Math.round(p.calls)}</td>
                  <td>{p.lastSeenUnixNano !== '0' ? fmt.time(p.lastSeenUnixNano) : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </main>
  );
}

export function PromptOverlayPage({ url, promptId }: { url: URL; promptId: string }) {
  const range = url.searchParams.get('range') ?? DEFAULT_CHART_RANGE;
  const result = useApi(`overlay ${promptId} ${range}`, () =>
    api.overlay(promptId, rangeQuery(url, { buckets: BUCKETS })),
  );
  const chart = useMemo(
    (): Buckets<VersionStats> | undefined =>
      result.data && {
        keys: result.data.versions.map((v) => v.version),
        keyOf: (v) => v.version,
        buckets: result.data.series.map((b) => ({
          startTimeUnixNano: b.startTimeUnixNano,
          items: b.versions,
        })),
      },
    [result.data],
  );
  return (
    <main class="overlay-page">
      <header class="page-head">
        <a href="/prompts" onClick={(e) => linkClick(e, '/prompts')} class="back">
          ← Prompts
        </a>
        <h1>
          Prompt <code>{promptId}</code>: versions compared
        </h1>
        <RangePicker url={url} />
      </header>
      {result.error ? (
        <ErrorState error={result.error} retry={result.reload} />
      ) : !result.data ? (
        <Loading what="the overlay" />
      ) : result.data.versions.length === 0 ? (
        <p class="state empty">No calls with this prompt in this time range.</p>
      ) : (
        <>
          <table class="versions">
            <thead>
              <tr>
                {['Version', ...FIGURE_HEADS, ''].map((h) => (
                  <th scope="col">{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {result.data.versions.map((v) => {
                const traces = `/?range=${range}&promptId=${encodeURIComponent(promptId)}&promptVersion=${encodeURIComponent(v.version)}`;
                return (
                  <tr>
                    <td>{v.version}</td>
                    <FigureCells
                      f={{
                        ...v,
                        rating: v.ratings ? { average: v.avgRating ?? 0, count: v.ratings } : null,
                        input: v.inputTokens,
                        output: v.outputTokens,
                      }}
                    />
                    <td>
                      <a href={traces} onClick={(e) => linkClick(e, traces)}>
                        traces
                      </a>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p class="hint">
            Figures are reweighted by each span's sampling adjusted count: estimates of all traffic.
          </p>
          <div class="charts">{chart && METRICS.map((m) => <TimeChart data={chart} metric={m} />)}</div>
        </>
      )}
    </main>
  );
}
