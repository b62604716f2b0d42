// The time range of the chart pages (prompts, dashboard): a picker that keeps it in the URL, and the
// API query it stands for.
import { navigate, withParams } from './router.ts';
import { RANGES } from './traces-page.tsx';

export const DEFAULT_CHART_RANGE = '24h';

export function rangeQuery(url: URL, extra: Record<string, string> = {}) {
  const range = url.searchParams.get('range') ?? DEFAULT_CHART_RANGE;
  const window = RANGES[range] ?? 30 * 24 * 3600_000;
  return new URLSearchParams({ start: String(Date.now() - window), ...extra });
}

export function RangePicker({ url }: { url: URL }) {
  return (
    <label class="range">
      Time{' '}
      <select
        value={url.searchParams.get('range') ?? DEFAULT_CHART_RANGE}
        onChange={(e) => navigate(withParams(url, { range: e.currentTarget.value }))}
      >
        {Object.keys(RANGES)
          .filter((r) => r !== 'all')
          .map((r) => (
            <option value={r}>Last {r}</option>
          ))}
      </select>
    </label>
  );
}
