// A tenant's content capture setting, applied after normalisation so it sees one shape:
// full — everything is kept; metadata — messages keep their structure (roles, part types, tool names
// and ids, finish reasons) but lose their text, arguments and results; none — message and tool
// payload attributes are removed entirely. Either way, what a span carries besides messages that is
// content too — retrieved and reranked documents' text, a reranker's query, embedded text and its
// vectors, a prompt template — is removed (documents keep their ids, scores and metadata).
import type { ContentCapture } from '../tenants/registry.ts';
import { type Attrs, parseJson } from './attrs.ts';
import { type Message, withoutContent } from './messages.ts';

/** Attributes holding chat messages, and other content payloads: what content capture acts on. */
export const MESSAGE_KEYS = ['gen_ai.input.messages', 'gen_ai.output.messages'];
export const PAYLOAD_KEYS = [
  'gen_ai.system_instructions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'input.value',
  'output.value',
  'llm.prompt_template.variables',
  'traceloop.entity.input',
  'traceloop.entity.output',
  'llm.prompt_template.template',
  'reranker.query',
  // The AI SDK's embedded text and vectors (its embed/embedMany spans), and its payloads should a
  // normaliser have left one behind.
  'ai.value',
  'ai.values',
  'ai.embedding',
  'ai.embeddings',
  'ai.prompt',
  'ai.prompt.messages',
  'ai.response.text',
  'ai.response.object',
  'ai.toolCall.args',
  'ai.toolCall.result',
];
/**
 * Content in indexed (flattened) attributes: OpenInference documents and embeddings, and the text of
 * flattened messages should a normaliser have left any behind.
 */
const CONTENT_PATTERN =
  /^(?:(?:retrieval\.documents|reranker\.(?:input|output)_documents)\.\d+\.document\.content|embedding\.embeddings\.\d+\.embedding\.(?:text|vector)|(?:llm\.(?:input|output)_messages|gen_ai\.(?:prompt|completion))\.\d+\..*(?:content|text|arguments))$/;
/**
 * Request settings as a JSON object, which some SDKs fill with the whole request (OpenInference
 * Anthropic puts the system prompt there): only its numbers, flags and the few string settings below
 * are kept.
 */
const SETTINGS_KEY = 'llm.invocation_parameters';
const STRING_SETTINGS = new Set([
  'model',
  'stop',
  'stop_sequences',
  'tool_choice',
  'reasoning_effort',
  'service_tier',
]);
const PAYLOADS = new Set([...MESSAGE_KEYS, ...PAYLOAD_KEYS, SETTINGS_KEY]);

/** Whether content capture acts on the attribute (its value is, or holds, content). */
export const isContentKey = (key: string): boolean => PAYLOADS.has(key) || CONTENT_PATTERN.test(key);

export function applyContentCapture(m: Attrs, capture: ContentCapture): void {
  if (capture === 'full') return;
  for (const k of PAYLOAD_KEYS) m.delete(k);
  for (const k of m.keys()) if (CONTENT_PATTERN.test(k)) m.delete(k);
  if (m.has(SETTINGS_KEY)) {
    const settings = settingsOnly(parseJson(m.get(SETTINGS_KEY)));
    if (settings) m.set(SETTINGS_KEY, JSON.stringify(settings));
    else m.delete(SETTINGS_KEY);
  }
  for (const k of MESSAGE_KEYS) {
    if (!m.has(k)) continue;
    const parsed = parseJson(m.get(k));
    if (capture === 'metadata' && Array.isArray(parsed))
      m.set(k, JSON.stringify(withoutContent(parsed as Message[])));
    else m.delete(k);
  }
}

/** The settings of a request object without its content; undefined when none is left. */
function settingsOnly(v: unknown): Record<string, unknown> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const kept = Object.entries(v).filter(
    ([k, x]) =>
      typeof x === 'number' ||
      typeof x === 'boolean' ||
      (STRING_SETTINGS.has(k) &&
        (typeof x === 'string' || (Array.isArray(x) && x.every((s) => typeof s === 'string')))),
  );
  return kept.length ? Object.fromEntries(kept) : undefined;
}
