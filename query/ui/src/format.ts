// How numbers read in the UI: durations, tokens, money, times and ratings.

export function duration(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

export const tokens = (n: number): string =>
  n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)}M` : n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : String(n);

export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n === 0) return '$0';
  return n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`;
}

/** A cost the API could price only in part: "price unknown", or the known part as a lower bound. */
export interface CostTotal {
  costUsd: number | null;
  costPartial?: boolean;
  costUnknown?: string[];
}
export function cost(c: CostTotal): string {
  if (c.costUsd === null) return c.costPartial ? 'price unknown' : '—';
  return c.costPartial ? `≥ ${usd(c.costUsd)} (partial)` : usd(c.costUsd);
}
/** Why a cost is partial or unknown (for a tooltip), or undefined when it is whole. */
export const costWhy = (c: CostTotal): string | undefined =>
  c.costPartial && c.costUnknown?.length ? `${c.costUnknown.join('; ')}: not counted` : undefined;

export const time = (unixNano: string): string => {
  const d = new Date(Number(BigInt(unixNano) / 1_000_000n));
  return d.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
};

/**
 * Ratings given as the UI gives them, good (1) or bad (0), are counted: "2 good · 1 bad", "1 bad".
 * Other scores (0–1 from the API) are averaged: "avg 62% of 3". A search row has only the average and
 * the count: when they add up to a whole number of good ratings, they are read as goods and bads.
 */
export function rating(r: { average: number; count: number } | null): string {
  if (!r || r.count === 0) return '—';
  const good = r.average * r.count;
  if (Math.abs(good - Math.round(good)) > 1e-9) return `avg ${Math.round(r.average * 100)}% of ${r.count}`;
  const bad = r.count - Math.round(good);
  return [good && `${Math.round(good)} good`, bad && `${bad} bad`].filter(Boolean).join(' · ');
}

/** The ratings of a trace, from their scores: counted when each is good or bad, else averaged. */
export const ratings = (scores: number[]): string =>
  scores.every((s) => s === 0 || s === 1)
    ? rating({ average: scores.filter((s) => s === 1).length / (scores.length || 1), count: scores.length })
    : `avg ${Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100)}% of ${scores.length}`;

/** One rating's score: good, bad, or the score as a percentage. */
export const score = (s: number): string => (s === 1 ? 'good' : s === 0 ? 'bad' : `${Math.round(s * 100)}%`);

export const percent = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
