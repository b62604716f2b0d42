// The normalisation stage: brings GenAI spans from OpenInference, OpenLLMetry (old and new) and
// older OTel GenAI shapes to the current OTel GenAI conventions, then applies the tenant's content
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
import { toList, toMap } from './attrs.ts';
import { applyContentCapture } from './content-capture.ts';
import { normaliseDeprecatedGenAi } from './deprecated-genai.ts';
import { normaliseContentEvents } from './events.ts';
import { isOpenInference, normaliseOpenInference } from './openinference.ts';
import { isOpenLlmetry, normaliseOpenLlmetry } from './openllmetry.ts';

export function looksGenAi(span: Span): boolean {
  // Most spans are not GenAI: the decoder's key scan rules them out without decoding attributes.
  if (!spanMayHaveKeys(span, KEY_GENAI)) return false;
  for (const a of span.attributes) {
    for (const p of GENAI_KEY_PREFIXES) if (a.key.startsWith(p)) return true;
  }
  return false;
}

function sameAttributes(before: Span['attributes'], after: [string, AnyValue][]): boolean {
  if (before.length !== after.length) return false;
  return before.every((a, i) => a.key === after[i]?.[0] && a.value === after[i]?.[1]);
}

/** Normalises one span in place; returns true when it changed. */
export function normaliseSpan(span: Span, capture: ContentCapture): boolean {
  if (!looksGenAi(span)) return false;
  const m = toMap(span.attributes);
  if (isOpenInference(m)) normaliseOpenInference(m);
  if (isOpenLlmetry(m)) normaliseOpenLlmetry(m);
  const eventsChanged = normaliseContentEvents(span, m);
  normaliseDeprecatedGenAi(m);
  applyContentCapture(m, capture);
  if (!eventsChanged && sameAttributes(span.attributes, [...m])) return false;
  span.attributes = toList(m);
  span.raw = null;
  return true;
}

export function normaliseBatch(batch: TraceBatch, capture: ContentCapture): number {
  let changed = 0;
  for (const rs of batch.resourceSpans) {
    for (const ss of rs.scopeSpans) for (const span of ss.spans) if (normaliseSpan(span, capture)) changed++;
  }
  return changed;
}
