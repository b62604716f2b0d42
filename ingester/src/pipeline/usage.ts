// Usage counted before sampling, per tenant × service × model × prompt version: spans, traces (root
// spans), errors and tokens by type. Totals stay exact however little sampling stores. Tokens follow
// the rollup rule (usage/rollup.ts) where the whole trace is seen: in mode `trace` they are counted
// when a trace is decided, from what its usage ledger settled (countLedgerTokens). Elsewhere they are
// counted here span by span, leaving out the aggregate operations' tokens. Counts are
// summed per batch first so the metrics library is touched once per label set, not once per span.
// Service, model and prompt version come from clients, so each keeps at most `metrics.maxLabelValues`
// distinct values per tenant (first come, first kept, each cut to 128 characters); later values count
// under `other` and in koder_usage_label_values_overflowed_total, so totals stay exact.
import { type Metrics, OTHER_LABEL_VALUE } from '../metrics.ts';
import { looksGenAi } from '../normalise/normalise.ts';
import { AttributePicker, rawAttributes } from '../normalise/raw-attributes.ts';
import {
  getAttribute,
  KEY_GENAI,
  KEY_KODER,
  spanIsRoot,
  spanMayHaveKeys,
  type TraceBatch,
} from '../otlp/model.ts';
import { isError } from '../sample/policy.ts';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_KODER_PROMPT_VERSION,
} from '../semconv/attributes.ts';
import type { CountedTokens } from '../tail/ledger.ts';

const TOKEN_TYPES: [string, string][] = [
  [ATTR_GEN_AI_USAGE_INPUT_TOKENS, 'input'],
  [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, 'output'],
  [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, 'cache_read'],
  [ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, 'cache_creation'],
  [ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, 'reasoning'],
];

/** The attributes usage counting reads; only these values are decoded (never message content). */
const picked = new AttributePicker([
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_KODER_PROMPT_VERSION,
  ...TOKEN_TYPES.map(([attr]) => attr),
]);
/** The picker's slots of TOKEN_TYPES, read by index for every GenAI span (no key looked up). */
const TOKEN_SLOTS = TOKEN_TYPES.map(([attr]) => picked.slot(attr));

/**
 * Operations whose usage is the sum of the model calls inside them (the Vercel AI SDK's invoke_agent
 * and ai.generateText, OpenInference AGENT and CHAIN spans): counting span by span (mode `head`, or a
 * policy that keeps everything), their tokens are counted on those calls, not again here. Such totals
 * cannot see a run whose framework reports usage only on the agent span; the ledger's, which see the
 * whole trace, count such a run once.
 */
const AGGREGATE_OPERATIONS = new Set(['invoke_agent', 'invoke_workflow', 'create_agent']);

interface Tally {
  labels: { tenant: string; service: string; model: string; prompt_version: string };
  spans: number;
  traces: number;
  errors: number;
  /** By TOKEN_TYPES' order. */
  tokens: number[];
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** Counts a batch's spans, traces and errors, and its tokens span by span unless `tokens` is false. */
export function countUsage(batch: TraceBatch, tenant: string, metrics: Metrics, tokens = true): void {
  tallyUsage(batch, tenant, metrics, tokens)();
}

/**
 * Tallies what countUsage counts and returns what records it: the pipeline records a request's usage
 * only once the request is accepted, so one refused and sent again is counted once. (Label values are
 * admitted to the tenant's budget while tallying.)
 */
export function tallyUsage(batch: TraceBatch, tenant: string, metrics: Metrics, tokens = true): () => void {
  const budget = metrics.usageLabels.forTenant(tenant);
  // service → model → prompt version → tally, keyed by the values counted under (no key built per span).
  const tallies = new Map<string, Map<string, Map<string, Tally>>>();
  let servicesOver = 0;
  let modelsOver = 0;
  let versionsOver = 0;
  for (const rs of batch.resourceSpans) {
    // The service is admitted with the resource's first span: a resource without spans uses no budget.
    let service = '';
    let serviceOver = false;
    let byModel: Map<string, Map<string, Tally>> | undefined;
    // The tally of the span before, and what it was found under: runs of spans of one model (plain
    // spans: none) count into it without two map lookups each.
    let last: Tally | undefined;
    let lastModel = '';
    let lastVersion = '';
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        if (!byModel) {
          const admitted = budget.service.admit(text(getAttribute(rs.resource.attributes, 'service.name')));
          serviceOver = admitted === undefined;
          service = admitted ?? OTHER_LABEL_VALUE;
          byModel = tallies.get(service);
          if (!byModel) {
            byModel = new Map();
            tallies.set(service, byModel);
          }
        }
        if (serviceOver) servicesOver++;
        // Plain spans are recognised from their bytes; GenAI spans have only the values counted here
        // decoded (from their bytes when unchanged).
        const raw = spanMayHaveKeys(span, KEY_GENAI | KEY_KODER) ? rawAttributes(span) : undefined;
        const genAi = looksGenAi(span, raw);
        if (genAi || spanMayHaveKeys(span, KEY_KODER)) picked.pick(span, raw);
        else picked.clear();
        let model = genAi
          ? budget.model.admit(
              text(picked.get(ATTR_GEN_AI_RESPONSE_MODEL) ?? picked.get(ATTR_GEN_AI_REQUEST_MODEL)),
            )
          : '';
        if (model === undefined) {
          model = OTHER_LABEL_VALUE;
          modelsOver++;
        }
        let promptVersion =
          genAi || spanMayHaveKeys(span, KEY_KODER)
            ? budget.prompt_version.admit(text(picked.get(ATTR_KODER_PROMPT_VERSION)))
            : '';
        if (promptVersion === undefined) {
          promptVersion = OTHER_LABEL_VALUE;
          versionsOver++;
        }
        let t = last !== undefined && model === lastModel && promptVersion === lastVersion ? last : undefined;
        if (!t) {
          let byVersion = byModel.get(model);
          if (!byVersion) {
            byVersion = new Map();
            byModel.set(model, byVersion);
          }
          t = byVersion.get(promptVersion);
          if (!t) {
            t = {
              labels: { tenant, service, model, prompt_version: promptVersion },
              spans: 0,
              traces: 0,
              errors: 0,
              tokens: TOKEN_TYPES.map(() => 0),
            };
            byVersion.set(promptVersion, t);
          }
          last = t;
          lastModel = model;
          lastVersion = promptVersion;
        }
        t.spans++;
        if (spanIsRoot(span)) t.traces++;
        if (isError(span)) t.errors++;
        if (tokens && model && !AGGREGATE_OPERATIONS.has(text(picked.get(ATTR_GEN_AI_OPERATION_NAME)))) {
          // Indexed, not for…of: this loop, run for every GenAI span, allocated an iterator and its
          // results each time (about 0.8 KB per span, a fifth of the hot path's garbage).
          for (let i = 0; i < TOKEN_SLOTS.length; i++) {
            const v = picked.at(TOKEN_SLOTS[i] as number);
            if (typeof v === 'bigint' && v > 0n) t.tokens[i] = (t.tokens[i] ?? 0) + Number(v);
          }
        }
      }
    }
  }
  return () => {
    for (const byModel of tallies.values()) {
      for (const byVersion of byModel.values()) {
        for (const t of byVersion.values()) {
          metrics.usageSpans.inc(t.labels, t.spans);
          if (t.traces) metrics.usageTraces.inc(t.labels, t.traces);
          if (t.errors) metrics.usageErrors.inc(t.labels, t.errors);
          t.tokens.forEach((n, i) => {
            if (n) metrics.usageTokens.inc({ ...t.labels, type: (TOKEN_TYPES[i] as [string, string])[1] }, n);
          });
        }
      }
    }
    const over = metrics.usageLabelsOverflowed;
    if (servicesOver) over.inc({ tenant, label: 'service' }, servicesOver);
    if (modelsOver) over.inc({ tenant, label: 'model' }, modelsOver);
    if (versionsOver) over.inc({ tenant, label: 'prompt_version' }, versionsOver);
  };
}

/**
 * Counts the tokens a decided trace's ledger settled (mode `trace`): each span's counted usage under
 * its service, model and prompt version, admitted to the tenant's label budget as countUsage admits
 * them. Summed per label set first, so the metrics library is touched once per set.
 */
export function countLedgerTokens(counted: readonly CountedTokens[], tenant: string, metrics: Metrics): void {
  if (counted.length === 0) return;
  const budget = metrics.usageLabels.forTenant(tenant);
  const sums = new Map<string, { labels: Record<string, string>; n: number }>();
  const over = { service: 0, model: 0, prompt_version: 0 };
  const admit = (label: keyof typeof over, value: string) => {
    const admitted = budget[label].admit(value);
    if (admitted !== undefined) return admitted;
    over[label]++;
    return OTHER_LABEL_VALUE;
  };
  for (const c of counted) {
    const labels = {
      tenant,
      service: admit('service', c.service),
      model: admit('model', c.model),
      prompt_version: admit('prompt_version', c.promptVersion),
    };
    for (const [type, n] of c.tokens) {
      const key = `${labels.service}\0${labels.model}\0${labels.prompt_version}\0${type}`;
      const sum = sums.get(key);
      if (sum) sum.n += n;
      else sums.set(key, { labels: { ...labels, type }, n });
    }
  }
  for (const { labels, n } of sums.values()) metrics.usageTokens.inc(labels, n);
  for (const [label, n] of Object.entries(over))
    if (n) metrics.usageLabelsOverflowed.inc({ tenant, label }, n);
}
