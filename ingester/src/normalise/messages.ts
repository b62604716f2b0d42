// Chat messages in the OTel GenAI form (gen_ai.input.messages / gen_ai.output.messages): a JSON list of
// {role, parts: [{type: text, content} | {type: tool_call, id, name, arguments} |
// {type: tool_call_response, id, response}], finish_reason?}, built from the flattened per-index
// attributes OpenLLMetry and OpenInference send.
import type { AnyValue } from '../otlp/model.ts';
import { indexed, parseJson, str } from './attrs.ts';

export type Part =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id?: string; name: string; arguments?: unknown }
  | { type: 'tool_call_response'; id?: string; response: unknown }
  | { type: string; [k: string]: unknown };

export interface Message {
  role: string;
  parts: Part[];
  finish_reason?: string;
}

/** Where a flattened message keeps each field, relative to its index (`gen_ai.prompt.3.` + field). */
export interface FlatLayout {
  role: string;
  content: string;
  toolCallId: string;
  finishReason: string;
  /** Prefix of the tool call list inside a message, and the fields of one call under it. */
  toolCalls: string;
  toolCallFields: { id: string; name: string; arguments: string };
  /** OpenInference's multi-part contents: prefix and fields of one part. */
  contents?: string;
  contentFields?: { type: string; text: string };
}

export const OPENLLMETRY_LAYOUT: FlatLayout = {
  role: 'role',
  content: 'content',
  toolCallId: 'tool_call_id',
  finishReason: 'finish_reason',
  toolCalls: 'tool_calls.',
  toolCallFields: { id: 'id', name: 'name', arguments: 'arguments' },
};

export const OPENINFERENCE_LAYOUT: FlatLayout = {
  role: 'message.role',
  content: 'message.content',
  toolCallId: 'message.tool_call_id',
  finishReason: 'message.finish_reason',
  toolCalls: 'message.tool_calls.',
  toolCallFields: {
    id: 'tool_call.id',
    name: 'tool_call.function.name',
    arguments: 'tool_call.function.arguments',
  },
  contents: 'message.contents.',
  contentFields: { type: 'message_content.type', text: 'message_content.text' },
};

/** Arguments and tool results are JSON in a string more often than not: keep them structured when so. */
function structured(v: AnyValue | undefined): unknown {
  const parsed = parseJson(v);
  return parsed !== undefined && typeof parsed === 'object' ? parsed : str(v);
}

export function messagesFromFlat(fields: Map<number, Map<string, AnyValue>>, layout: FlatLayout): Message[] {
  const out: Message[] = [];
  for (const f of fields.values()) {
    const role = str(f.get(layout.role)) ?? 'user';
    const parts: Part[] = [];
    const content = f.get(layout.content);
    const toolCallId = str(f.get(layout.toolCallId));
    if (role === 'tool' && content !== undefined) {
      parts.push({
        type: 'tool_call_response',
        ...(toolCallId ? { id: toolCallId } : {}),
        response: structured(content),
      });
    } else if (content !== undefined && str(content) !== '') {
      parts.push({ type: 'text', content: str(content) ?? '' });
    }
    if (layout.contents && layout.contentFields) {
      for (const c of indexed(f, layout.contents).values()) {
        const text = str(c.get(layout.contentFields.text));
        if (text !== undefined) parts.push({ type: 'text', content: text });
      }
    }
    for (const call of indexed(f, layout.toolCalls).values()) {
      const id = str(call.get(layout.toolCallFields.id));
      const args = call.get(layout.toolCallFields.arguments);
      parts.push({
        type: 'tool_call',
        ...(id ? { id } : {}),
        name: str(call.get(layout.toolCallFields.name)) ?? '',
        ...(args !== undefined ? { arguments: structured(args) } : {}),
      });
    }
    const finish = str(f.get(layout.finishReason));
    out.push({ role, parts, ...(finish ? { finish_reason: finish } : {}) });
  }
  return out;
}

/** Content stripped, structure kept: roles, part types, tool names and ids, finish reasons. */
export function withoutContent(messages: Message[]): Message[] {
  return messages.map((m) => ({
    ...m,
    parts: m.parts.map((p) => {
      if (p.type === 'tool_call') return { type: p.type, ...(p.id ? { id: p.id } : {}), name: p.name };
      if (p.type === 'tool_call_response') return { type: p.type, ...(p.id ? { id: p.id } : {}) };
      return { type: p.type };
    }),
  }));
}
