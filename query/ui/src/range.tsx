// The time range of the pages over a range (prompts, dashboard, sessions, users): a picker that keeps
// it in the URL, and the API query it stands for.
import { navigate, withParams } from './router.ts';
import { RANGES } from './traces-page.tsx';

export const DEFAULT_CHART_RANGE = '24h';

export function rangeQuery(url: URL, extra: Record<string, string> = {}, byDefault = DEFAULT_CHART_RANGE) {
  const range = url.searchParams.get('range') ?? byDefault;
  const window = RANGES[range] ?? 30 * 24 * 3600_000;
  return new URLSearchParams({ start: String(Date.now() - window), ...extra });
}

/** `reset`: parameters a new range makes meaningless (a page cursor). */
export function RangePicker({
  url,
  byDefault = DEFAULT_CHART_RANGE,
  reset = [],
}: {
  url: URL;
  byDefault?: string;
  reset?: string[];
}) {
  const resets = Object.fromEntries(reset.map((k) => [k, null]));
  return (
    <label class="range">
      Time{' '}
      <select
        value={url.searchParams.get('range') ?? byDefault}
        onChange={(e) => navigate(withParams(url, { range: e.currentTarget.value, ...resets }))}
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
