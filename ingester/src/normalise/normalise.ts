// The normalisation stage: brings GenAI spans from OpenInference, OpenLLMetry (old and new), the
// Vercel AI SDK's ai.* shape and older OTel GenAI shapes to the current OTel GenAI conventions, then applies the tenant's content
// capture. Spans with no GenAI attributes are not touched (their bytes pass through).
import {
  type AnyValue,
  GENAI_KEY_PREFIXES,
  KEY_GENAI,
  type Span,
  spanMayHaveKeys,
  type TraceBatch,
} from '../otlp/model.ts';
import type { ContentCapture } from '../tenants/registry.ts';
import { str, toList, toMap } from './attrs.ts';
import { applyContentCapture } from './content-capture.ts';
import { normaliseDeprecatedGenAi } from './deprecated-genai.ts';
import { normaliseContentEvents } from './events.ts';
import { isOpenInference, normaliseOpenInference } from './openinference.ts';
import { isOpenLlmetry, normaliseOpenLlmetry } from './openllmetry.ts';
import { providerName } from './providers.ts';
import {
  hasDuplicateKey,
  K_CONTENT,
  K_FINISH_REASONS,
  K_GENAI,
  K_MAPPED,
  K_PROVIDER,
  K_TOKENS,
  type RawAttributes,
  rawAttributes,
  rawValue,
} from './raw-attributes.ts';
import { isVercelAi, normaliseVercelAi } from './vercel-ai.ts';

const isGenAiKey = (key: string) => {
  for (const p of GENAI_KEY_PREFIXES) if (key.startsWith(p)) return true;
  return false;
};

/** Whether a span has GenAI attributes, from its keys alone (values are not decoded). */
export function looksGenAi(span: Span, raw?: RawAttributes): boolean {
  // Most spans are not GenAI: the decoder's key scan rules them out without decoding attributes.
  if (!spanMayHaveKeys(span, KEY_GENAI)) return false;
  const keys = raw ?? rawAttributes(span);
  if (keys) return (keys.classes & K_GENAI) !== 0;
  return span.attributes.some((a) => isGenAiKey(a.key));
}

const ANY_STRING = 1;
const ANY_INT = 3;

/**
 * True when the span, as received, is certainly left unchanged by normaliseSpan — decided from its
 * keys, the wire types of its values and the one short value that may need rewriting (the provider
 * name), so message content is never decoded. False means "run the normalisers to find out".
 */
function unchangedAsReceived(span: Span, raw: RawAttributes, capture: ContentCapture): boolean {
  if (raw.classes & K_MAPPED) return false;
  if (capture !== 'full' && raw.classes & K_CONTENT) return false;
  if (span.events.length > 0) return false;
  if (hasDuplicateKey(raw.list)) return false;
  let input: bigint | undefined;
  let cached = 0n;
  for (const a of raw.list) {
    if (a.cls & K_TOKENS && a.kind !== ANY_INT) return false;
    if (
      a.cls & K_TOKENS &&
      a.key !== 'gen_ai.usage.output_tokens' &&
      a.key !== 'gen_ai.usage.reasoning.output_tokens'
    ) {
      // Fewer input tokens than cached ones: input that excludes the cache (deprecated-genai.ts).
      const v = rawValue(raw, a);
      if (typeof v === 'bigint') {
        if (a.key === 'gen_ai.usage.input_tokens') input = v;
        else cached += v;
      }
    }
    if (a.cls & K_FINISH_REASONS && a.kind === ANY_STRING) return false;
    if (a.cls & K_PROVIDER) {
      const v = str(rawValue(raw, a));
      if (v !== undefined && v !== providerName(v)) return false;
    }
  }
  if (input !== undefined && input < cached) return false;
  return true;
}

function sameAttributes(before: Span['attributes'], after: [string, AnyValue][]): boolean {
  if (before.length !== after.length) return false;
  return before.every((a, i) => a.key === after[i]?.[0] && a.value === after[i]?.[1]);
}

/**
 * Normalises one span in place; returns true when it changed. `scope`: its instrumentation scope's
 * name, which tells some ambiguous provider names apart (providers.ts).
 */
export function normaliseSpan(span: Span, capture: ContentCapture, scope = ''): boolean {
  if (!spanMayHaveKeys(span, KEY_GENAI)) return false;
  const raw = rawAttributes(span);
  if (!looksGenAi(span, raw)) return false;
  // Spans already in the current conventions (most, from current SDKs) pass without their content
  // being turned into strings: they leave as the bytes they came in.
  if (raw && unchangedAsReceived(span, raw, capture)) return false;
  const m = toMap(span.attributes);
  if (isOpenInference(m)) normaliseOpenInference(m);
  if (isOpenLlmetry(m)) normaliseOpenLlmetry(m);
  if (isVercelAi(m)) normaliseVercelAi(m);
  const eventsChanged = normaliseContentEvents(span, m);
  normaliseDeprecatedGenAi(m, scope);
  applyContentCapture(m, capture);
  if (!eventsChanged && sameAttributes(span.attributes, [...m])) return false;
  span.attributes = toList(m);
  span.raw = null;
  return true;
}

export function normaliseBatch(batch: TraceBatch, capture: ContentCapture): number {
  let changed = 0;
  for (const rs of batch.resourceSpans) {
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans) if (normaliseSpan(span, capture, ss.scope.name)) changed++;
  }
  return changed;
}
