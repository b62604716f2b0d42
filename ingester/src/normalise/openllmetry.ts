// OpenLLMetry (Traceloop) → OTel GenAI. Old versions: llm.request.type, capitalised gen_ai.system,
// flattened gen_ai.prompt.N.* / gen_ai.completion.N.*, prompt/completion token names,
// traceloop.span.kind and traceloop.entity.*, association properties for session and user.
import { type Attrs, deletePrefix, indexed, lookupTable, move, setDefault, str } from './attrs.ts';
import { messagesFromFlat, OPENLLMETRY_LAYOUT } from './messages.ts';

const REQUEST_TYPES = lookupTable({
  chat: 'chat',
  completion: 'text_completion',
  embedding: 'embeddings',
});
const SPAN_KINDS = lookupTable({
  workflow: 'invoke_workflow',
  agent: 'invoke_agent',
  tool: 'execute_tool',
});

export function isOpenLlmetry(m: Attrs): boolean {
  for (const k of m.keys()) {
    if (
      k.startsWith('traceloop.') ||
      k === 'llm.request.type' ||
      k.startsWith('gen_ai.prompt.') ||
      k.startsWith('gen_ai.completion.')
    ) {
      return true;
    }
  }
  return false;
}

export function normaliseOpenLlmetry(m: Attrs): void {
  const requestType = str(m.get('llm.request.type'));
  if (requestType && REQUEST_TYPES[requestType]) {
    setDefault(m, 'gen_ai.operation.name', REQUEST_TYPES[requestType]);
    m.delete('llm.request.type');
  }
  const kind = str(m.get('traceloop.span.kind'));
  const entity = str(m.get('traceloop.entity.name'));
  if (kind && SPAN_KINDS[kind]) setDefault(m, 'gen_ai.operation.name', SPAN_KINDS[kind]);
  if (kind === 'tool') {
    setDefault(m, 'gen_ai.tool.name', entity);
    move(m, 'traceloop.entity.input', 'gen_ai.tool.call.arguments');
    move(m, 'traceloop.entity.output', 'gen_ai.tool.call.result');
  }
  if (kind === 'agent') setDefault(m, 'gen_ai.agent.name', entity);
  if (kind === 'workflow') setDefault(m, 'gen_ai.workflow.name', entity);
  move(m, 'traceloop.workflow.name', 'gen_ai.workflow.name');
  move(m, 'traceloop.entity.version', 'koder.prompt.version');
  move(m, 'traceloop.association.properties.session_id', 'gen_ai.conversation.id');
  move(m, 'traceloop.association.properties.user_id', 'user.id');
  move(m, 'llm.is_streaming', 'gen_ai.request.stream');

  const prompts = indexed(m, 'gen_ai.prompt.');
  if (prompts.size) {
    setDefault(m, 'gen_ai.input.messages', JSON.stringify(messagesFromFlat(prompts, OPENLLMETRY_LAYOUT)));
    deletePrefix(m, 'gen_ai.prompt.');
  }
  const completions = indexed(m, 'gen_ai.completion.');
  if (completions.size) {
    const out = messagesFromFlat(completions, OPENLLMETRY_LAYOUT);
    setDefault(m, 'gen_ai.output.messages', JSON.stringify(out));
    const reasons = out.map((x) => x.finish_reason).filter((r): r is string => !!r);
    if (reasons.length) setDefault(m, 'gen_ai.response.finish_reasons', reasons);
    deletePrefix(m, 'gen_ai.completion.');
  }
}
