// The answer's view of a span, built once when the span is stored and kept as JSON text: its name,
// kind, status, attributes, resource, events, links and GenAI view (operation, model, parameters,
// messages, tool call, usage, prompt). Reading a trace then splices this text into the answer, adding
// only what depends on the trace (offset) or on the price table (cost), instead of parsing the span's
// content and building the view again for every request.

import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  GEN_AI_REQUEST_PREFIX,
} from '@koder-trace/ingester/semconv';
import type { GenAiFields, SpanRow } from '../model/span.ts';

/** Content lifted into the GenAI view and removed from `attributes` (it is the bulk of a trace). */
const LIFTED = [
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
];

/** Content that arrived as JSON text (tool arguments and results) is returned structured when it is JSON. */
function structured(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const c = v.charCodeAt(0);
  if (c !== 0x7b && c !== 0x5b) return v; // only objects and arrays are worth parsing
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/**
 * The view as JSON text, or null for a span that is not a GenAI operation. Lifted content is removed
 * from `attrs` (mutated) so the span's attributes do not repeat it.
 */
export function liftGenAi(f: GenAiFields, attrs: Record<string, unknown>): string | null {
  if (!f.operation && !f.request_model && !f.response_model) return null;
  const parameters: Record<string, unknown> = Object.create(null);
  for (const k in attrs) {
    if (k.startsWith(GEN_AI_REQUEST_PREFIX) && k !== ATTR_GEN_AI_REQUEST_MODEL)
      parameters[k.slice(GEN_AI_REQUEST_PREFIX.length)] = attrs[k];
  }
  const view = JSON.stringify({
    operation: f.operation,
    provider: f.provider,
    requestModel: f.request_model,
    responseModel: f.response_model,
    parameters,
    inputMessages: attrs[ATTR_GEN_AI_INPUT_MESSAGES],
    outputMessages: attrs[ATTR_GEN_AI_OUTPUT_MESSAGES],
    systemInstructions: attrs[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS],
    toolName: attrs[ATTR_GEN_AI_TOOL_NAME],
    toolCallArguments: structured(attrs[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]),
    toolCallResult: structured(attrs[ATTR_GEN_AI_TOOL_CALL_RESULT]),
    finishReasons: attrs[ATTR_GEN_AI_RESPONSE_FINISH_REASONS],
    usage: {
      inputTokens: f.input_tokens,
      outputTokens: f.output_tokens,
      cacheReadTokens: f.cache_read_tokens,
      cacheCreationTokens: f.cache_creation_tokens,
      reasoningTokens: f.reasoning_tokens,
    },
    promptId: f.prompt_id,
    promptVersion: f.prompt_version,
    conversationId: f.conversation_id,
  });
  for (const k of LIFTED) delete attrs[k];
  return view;
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'];

/** What the view is built from: a stored row's columns (JSON columns as text). */
export type ViewFields = Pick<
  SpanRow,
  | 'span_id'
  | 'parent_span_id'
  | 'name'
  | 'kind'
  | 'service'
  | 'start_ns'
  | 'duration_ns'
  | 'status_code'
  | 'status_message'
  | 'is_error'
  | 'adjusted_count'
  | 'attributes'
  | 'resource'
  | 'events'
  | 'links'
>;

/**
 * The view as JSON object members, without the braces, so the reader can put the trace-dependent
 * members in front: `{"offsetMs":…,"costUsd":…,<members>}`. Ids are hex and numbers finite, so only
 * strings need escaping.
 */
export function spanMembers(r: ViewFields, genAi: string | null): string {
  const parent = r.parent_span_id ? `"${r.parent_span_id}"` : 'null';
  const kind = KINDS[r.kind] ?? String(r.kind);
  const status = STATUS[r.status_code] ?? String(r.status_code);
  return (
    `"spanId":"${r.span_id}","parentSpanId":${parent},"name":${JSON.stringify(r.name)},"kind":"${kind}",` +
    `"service":${JSON.stringify(r.service)},"startTimeUnixNano":"${r.start_ns}","durationMs":${Number(r.duration_ns) / 1e6},` +
    `"status":{"code":"${status}","message":${JSON.stringify(r.status_message)}},"error":${r.is_error === 1},` +
    `"adjustedCount":${r.adjusted_count},"attributes":${r.attributes},"resource":${r.resource},` +
    `"events":${r.events},"links":${r.links}${genAi === null ? '' : `,"genAi":${genAi}`}`
  );
}
