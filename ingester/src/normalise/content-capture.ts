// A tenant's content capture setting, applied after normalisation so it sees one shape:
// full — everything is kept; metadata — messages keep their structure (roles, part types, tool names
// and ids, finish reasons) but lose their text, arguments and results; none — message and tool
// payload attributes are removed entirely.
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
];

export function applyContentCapture(m: Attrs, capture: ContentCapture): void {
  if (capture === 'full') return;
  for (const k of PAYLOAD_KEYS) m.delete(k);
  for (const k of MESSAGE_KEYS) {
    if (!m.has(k)) continue;
    const parsed = parseJson(m.get(k));
    if (capture === 'metadata' && Array.isArray(parsed))
      m.set(k, JSON.stringify(withoutContent(parsed as Message[])));
    else m.delete(k);
  }
}
