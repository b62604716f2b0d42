// A tenant's SamplingConfig compiled into one function: span (with its resource) → the probability
// that applies and the rule that chose it. Rules are tried in order; the first whose conditions all
// hold wins; otherwise the default probability applies.
import {
  type ConditionConfig,
  type SamplingConfig,
  type SamplingModeConfig,
  TRACE_WAIT_DEFAULTS,
  type TraceWaitConfig,
} from '../config/schema.ts';
import {
  type AnyValue,
  type Attribute,
  getAttribute,
  KEY_ERROR_TYPE,
  KEY_KODER,
  type Span,
  StatusCode,
  spanMayHaveKeys,
  spanStatusCode,
} from '../otlp/model.ts';
import { thresholdFor } from './threshold.ts';

export interface SamplingChoice {
  probability: number;
  /** The rejection threshold for `probability`, computed once when the policy is compiled. */
  threshold: bigint;
  /** The matching rule's name, or 'default'. */
  rule: string;
  /** The rule's place in the policy (0 = first, the highest priority); the default comes after all rules. */
  priority: number;
}

export interface CompiledPolicy {
  /** trace: decide whole traces once complete (ingester/src/tail); head: each span as it arrives. */
  mode: SamplingModeConfig;
  /** When a buffered trace is decided (mode trace). */
  wait: Readonly<TraceWaitConfig>;
  keepErrors: boolean;
  /** The threshold of the default probability (spans no rule matches). */
  defaultThreshold: bigint;
  /** True when every span is kept unchanged (probability 1 everywhere): the sampler can skip work. */
  keepsAll: boolean;
  choose(span: Span, resource: readonly Attribute[]): SamplingChoice;
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUSES = ['unset', 'ok', 'error'];

type Getter = (span: Span, resource: readonly Attribute[]) => AnyValue | undefined;

function getter(field: string): Getter {
  if (field === 'name') return (s) => s.name;
  if (field === 'kind') return (s) => KINDS[s.kind] ?? String(s.kind);
  if (field === 'status') return (s) => STATUSES[s.status.code] ?? String(s.status.code);
  if (field === 'service') return (_s, r) => getAttribute(r, 'service.name');
  if (field.startsWith('resource.')) {
    const key = field.slice('resource.'.length);
    return (_s, r) => getAttribute(r, key);
  }
  const key = field.slice('attribute.'.length);
  return (s) => getAttribute(s.attributes, key);
}

function scalar(v: AnyValue | undefined): string | number | boolean | undefined {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return undefined;
}

function same(a: string | number | boolean | undefined, b: string | number | boolean): boolean {
  if (a === undefined) return false;
  if (typeof a === typeof b) return a === b;
  return String(a) === String(b); // "200" matches 200: attribute types vary between SDKs
}

function predicate(c: ConditionConfig): (span: Span, resource: readonly Attribute[]) => boolean {
  const get = getter(c.field);
  const value = c.value as string | number | boolean;
  switch (c.op) {
    case 'exists':
      return (s, r) => get(s, r) !== undefined;
    case 'notExists':
      return (s, r) => get(s, r) === undefined;
    case 'equals':
      return (s, r) => same(scalar(get(s, r)), value);
    case 'notEquals':
      return (s, r) => !same(scalar(get(s, r)), value);
    case 'in': {
      const values = c.values ?? [];
      return (s, r) => {
        const v = scalar(get(s, r));
        return values.some((x) => same(v, x));
      };
    }
    case 'prefix': {
      const p = String(value);
      return (s, r) => {
        const v = scalar(get(s, r));
        return v !== undefined && String(v).startsWith(p);
      };
    }
    case 'regex': {
      const re = new RegExp(String(value));
      return (s, r) => {
        const v = scalar(get(s, r));
        return v !== undefined && re.test(String(v));
      };
    }
    default: {
      const n = Number(value);
      const cmp = {
        gt: (a: number) => a > n,
        gte: (a: number) => a >= n,
        lt: (a: number) => a < n,
        lte: (a: number) => a <= n,
      }[c.op as 'gt' | 'gte' | 'lt' | 'lte'];
      return (s, r) => {
        const v = scalar(get(s, r));
        return typeof v === 'number' && cmp(v);
      };
    }
  }
}

const choiceOf = (probability: number, rule: string, priority: number): SamplingChoice => ({
  probability,
  threshold: thresholdFor(probability),
  rule,
  priority,
});

export function compilePolicy(cfg: SamplingConfig | undefined): CompiledPolicy {
  const ruleConfigs = cfg?.rules ?? [];
  const defaultChoice = choiceOf(cfg?.defaultProbability ?? 1, 'default', ruleConfigs.length);
  const rules = ruleConfigs.map((r, i) => {
    const preds = r.match.map(predicate);
    const choice = choiceOf(r.probability, r.name, i);
    return { choice, matches: (s: Span, res: readonly Attribute[]) => preds.every((p) => p(s, res)) };
  });
  return {
    mode: cfg?.mode ?? 'trace',
    wait: cfg?.trace ?? TRACE_WAIT_DEFAULTS,
    keepErrors: cfg?.keepErrors ?? true,
    defaultThreshold: defaultChoice.threshold,
    keepsAll: defaultChoice.probability === 1 && rules.every((r) => r.choice.probability === 1),
    choose(span, resource) {
      for (const r of rules) if (r.matches(span, resource)) return r.choice;
      return defaultChoice;
    },
  };
}

/** Error spans are always kept when the policy says so: status ERROR, or an `error.type` attribute. */
export function isError(span: Span): boolean {
  if (spanStatusCode(span) === StatusCode.ERROR) return true;
  return spanMayHaveKeys(span, KEY_ERROR_TYPE) && getAttribute(span.attributes, 'error.type') !== undefined;
}

/** Ratings (spans with koder.rating.score) are always kept: they are feedback, not traffic. */
export function isRating(span: Span): boolean {
  return (
    spanMayHaveKeys(span, KEY_KODER) && getAttribute(span.attributes, 'koder.rating.score') !== undefined
  );
}
