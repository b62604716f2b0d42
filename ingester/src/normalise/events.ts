// Content carried as span events by older GenAI instrumentations → message attributes:
// gen_ai.{system,user,assistant,tool}.message and gen_ai.choice events (semconv ≤ 1.36), their
// fields as attributes or packed as JSON in gen_ai.event.content (the Azure SDK's AI Inference
// client), and the older gen_ai.content.prompt / gen_ai.content.completion events with JSON
// gen_ai.prompt / gen_ai.completion. Converted events are removed: the content now lives in the
// attributes.
import { decodeEvent } from '../otlp/decode-parts.ts';
import { type AnyValue, type Attribute, getAttribute, type Span } from '../otlp/model.ts';
import { type Attrs, lookupTable, parseJson, setDefault, str } from './attrs.ts';
import type { Message, Part } from './messages.ts';

const ROLE_EVENTS = lookupTable({
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
});

function toolCalls(v: unknown): Part[] {
  if (!Array.isArray(v)) return [];
  return v.map((c: { id?: string; function?: { name?: string; arguments?: unknown } }) => ({
    type: 'tool_call',
    ...(c.id ? { id: c.id } : {}),
    name: c.function?.name ?? '',
    ...(c.function?.arguments !== undefined
      ? { arguments: parseJson(c.function.arguments as string) ?? c.function.arguments }
      : {}),
  }));
}

/**
 * An event's fields: its own attributes (content, tool_calls, id, message, finish_reason), else the
 * same fields in the JSON object of its gen_ai.event.content attribute, where the Azure SDK's AI
 * Inference tracing (@azure-rest/ai-inference) puts them all: {content, tool_calls, id} for a
 * message, {finish_reason, index, message: {content, toolCalls}} for a choice.
 */
function eventFields(attributes: readonly Attribute[]): (k: string) => unknown {
  const packed = parseJson(getAttribute(attributes, 'gen_ai.event.content'));
  const fields =
    packed && typeof packed === 'object' && !Array.isArray(packed)
      ? (packed as Record<string, unknown>)
      : undefined;
  return (k) => getAttribute(attributes, k) ?? (fields && Object.hasOwn(fields, k) ? fields[k] : undefined);
}

/** A field that is JSON text in an attribute and a value already inside gen_ai.event.content. */
const jsonValue = (v: unknown): unknown => (typeof v === 'string' ? parseJson(v) : v);

/** A message's text: a string, or the text of a list of {type: "text", text} items. */
function textOf(v: unknown): string | undefined {
  if (!Array.isArray(v)) return str(v as AnyValue | undefined);
  const texts = v.flatMap((x: { type?: unknown; text?: unknown } | null) =>
    x?.type === 'text' && typeof x.text === 'string' ? [x.text] : [],
  );
  return texts.length ? texts.join('') : undefined;
}

/** Messages from a JSON list of {role, content} (the old gen_ai.prompt / gen_ai.completion format). */
function fromJsonList(v: unknown): Message[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((x: { role?: string; content?: unknown; finish_reason?: string }) => ({
    role: x.role ?? 'user',
    parts: typeof x.content === 'string' ? [{ type: 'text', content: x.content }] : [],
    ...(x.finish_reason ? { finish_reason: x.finish_reason } : {}),
  }));
}

export function normaliseContentEvents(span: Span, m: Attrs): boolean {
  // Removed flat attributes first (older OpenLLMetry).
  for (const [attr, target] of [
    ['gen_ai.prompt', 'gen_ai.input.messages'],
    ['gen_ai.completion', 'gen_ai.output.messages'],
  ] as const) {
    const list = fromJsonList(parseJson(m.get(attr)));
    if (list) {
      setDefault(m, target, JSON.stringify(list));
      m.delete(attr);
    }
  }
  if (span.events.length === 0) return false;
  const input: Message[] = [];
  const output: Message[] = [];
  const kept: Uint8Array[] = [];
  for (const bytes of span.events) {
    const e = decodeEvent(bytes);
    const role = ROLE_EVENTS[e.name];
    const a = eventFields(e.attributes);
    if (role) {
      const parts: Part[] = [];
      const content = textOf(a('content'));
      if (role === 'tool') {
        const id = str(a('id') as AnyValue | undefined);
        parts.push({ type: 'tool_call_response', ...(id ? { id } : {}), response: content ?? '' });
      } else if (content !== undefined) parts.push({ type: 'text', content });
      parts.push(...toolCalls(jsonValue(a('tool_calls'))));
      input.push({ role, parts });
    } else if (e.name === 'gen_ai.choice') {
      const msg = jsonValue(a('message')) as
        | { content?: unknown; tool_calls?: unknown; toolCalls?: unknown }
        | undefined;
      const content = textOf(msg?.content ?? a('content'));
      const parts: Part[] = content !== undefined ? [{ type: 'text', content }] : [];
      parts.push(...toolCalls(msg?.tool_calls ?? msg?.toolCalls ?? jsonValue(a('tool_calls'))));
      const finish = str(a('finish_reason') as AnyValue | undefined);
      output.push({ role: 'assistant', parts, ...(finish ? { finish_reason: finish } : {}) });
    } else if (e.name === 'gen_ai.content.prompt' || e.name === 'gen_ai.content.completion') {
      const list = fromJsonList(
        jsonValue(a(e.name === 'gen_ai.content.prompt' ? 'gen_ai.prompt' : 'gen_ai.completion')),
      );
      if (!list) {
        kept.push(bytes);
        continue;
      }
      (e.name === 'gen_ai.content.prompt' ? input : output).push(...list);
    } else {
      kept.push(bytes);
    }
  }
  if (kept.length === span.events.length) return false;
  if (input.length) setDefault(m, 'gen_ai.input.messages', JSON.stringify(input));
  if (output.length) setDefault(m, 'gen_ai.output.messages', JSON.stringify(output));
  span.events = kept;
  return true;
}
