// Usage counted before sampling, per tenant × service × model × prompt version: spans, traces (root
// spans), errors and tokens by type. Totals stay exact however little sampling stores. Counts are
// summed per batch first so the metrics library is touched once per label set, not once per span.
import type { Metrics } from '../metrics.ts';
import { looksGenAi } from '../normalise/normalise.ts';
import { getAttribute, KEY_KODER, spanIsRoot, spanMayHaveKeys, type TraceBatch } from '../otlp/model.ts';
import { isError } from '../sample/policy.ts';

const TOKEN_TYPES: [string, string][] = [
  ['gen_ai.usage.input_tokens', 'input'],
  ['gen_ai.usage.output_tokens', 'output'],
  ['gen_ai.usage.cache_read.input_tokens', 'cache_read'],
  ['gen_ai.usage.cache_creation.input_tokens', 'cache_creation'],
  ['gen_ai.usage.reasoning.output_tokens', 'reasoning'],
];

interface Tally {
  labels: { tenant: string; service: string; model: string; prompt_version: string };
  spans: number;
  traces: number;
  errors: number;
  tokens: Map<string, number>;
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

export function countUsage(batch: TraceBatch, tenant: string, metrics: Metrics): void {
  const tallies = new Map<string, Tally>();
  for (const rs of batch.resourceSpans) {
    const service = text(getAttribute(rs.resource.attributes, 'service.name'));
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        // Plain spans are recognised from their bytes; only GenAI spans have their attributes read.
        const genAi = looksGenAi(span);
        const model = genAi
          ? text(
              getAttribute(span.attributes, 'gen_ai.response.model') ??
                getAttribute(span.attributes, 'gen_ai.request.model'),
            )
          : '';
        const promptVersion =
          genAi || spanMayHaveKeys(span, KEY_KODER)
            ? text(getAttribute(span.attributes, 'koder.prompt.version'))
            : '';
        const key = `${service}\u0000${model}\u0000${promptVersion}`;
        let t = tallies.get(key);
        if (!t) {
          t = {
            labels: { tenant, service, model, prompt_version: promptVersion },
            spans: 0,
            traces: 0,
            errors: 0,
            tokens: new Map(),
          };
          tallies.set(key, t);
        }
        t.spans++;
        if (spanIsRoot(span)) t.traces++;
        if (isError(span)) t.errors++;
        if (model) {
          for (const [attr, type] of TOKEN_TYPES) {
            const v = getAttribute(span.attributes, attr);
            if (typeof v === 'bigint' && v > 0n) t.tokens.set(type, (t.tokens.get(type) ?? 0) + Number(v));
          }
        }
      }
    }
  }
  for (const t of tallies.values()) {
    metrics.usageSpans.inc(t.labels, t.spans);
    if (t.traces) metrics.usageTraces.inc(t.labels, t.traces);
    if (t.errors) metrics.usageErrors.inc(t.labels, t.errors);
    for (const [type, n] of t.tokens) metrics.usageTokens.inc({ ...t.labels, type }, n);
  }
}
