// koder_query_unpriced_calls_total{provider}: model calls the query API answered without a price
// (cost null, "price unknown"), by provider — the sign that the price table (--prices) lacks a model
// in use. Counted each time an answer (trace detail, search row, overlay, session) holds such a call,
// so a trace viewed twice counts twice: it measures how often users see an unknown price. The model
// is named in each answer's costUnknown; it is not a label, as clients choose model names. Providers
// are normalised names; still, at most MAX_PROVIDERS distinct values are kept, later ones as "other".
const MAX_PROVIDERS = 50;
const unpriced = new Map<string, number>();

export function countUnpriced(provider: string | null, n = 1): void {
  let label = provider ?? '';
  if (!unpriced.has(label) && unpriced.size >= MAX_PROVIDERS) label = 'other';
  unpriced.set(label, (unpriced.get(label) ?? 0) + n);
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The query service's metrics in the Prometheus text format. */
export function costMetricsText(): string {
  const lines = [
    '# HELP koder_query_unpriced_calls_total Model calls answered without a price (cost null), by provider.',
    '# TYPE koder_query_unpriced_calls_total counter',
  ];
  for (const [provider, n] of unpriced)
    lines.push(`koder_query_unpriced_calls_total{provider="${escapeLabel(provider)}"} ${n}`);
  return `${lines.join('\n')}\n`;
}
