// OpenInference (Arize Phoenix) → OTel GenAI: span kinds, llm.* model/provider/token counts,
// flattened llm.input_messages / llm.output_messages, invocation parameters, prompt template version,
// tool, session and agent attributes.
import type { AnyValue } from '../otlp/model.ts';
import {
  type Attrs,
  deletePrefix,
  indexed,
  int,
  lookupTable,
  move,
  parseJson,
  setDefault,
  str,
} from './attrs.ts';
import { messagesFromFlat, OPENINFERENCE_LAYOUT } from './messages.ts';
import { providerName } from './providers.ts';

const KINDS = lookupTable({
  LLM: 'chat',
  EMBEDDING: 'embeddings',
  RETRIEVER: 'retrieval',
  TOOL: 'execute_tool',
  AGENT: 'invoke_agent',
  CHAIN: 'invoke_workflow',
  RERANKER: 'rerank',
});

// llm.invocation_parameters keys → gen_ai.request.* (provider SDK names vary).
const PARAMS = lookupTable({
  model: 'gen_ai.request.model',
  temperature: 'gen_ai.request.temperature',
  top_p: 'gen_ai.request.top_p',
  top_k: 'gen_ai.request.top_k',
  max_tokens: 'gen_ai.request.max_tokens',
  max_completion_tokens: 'gen_ai.request.max_tokens',
  max_output_tokens: 'gen_ai.request.max_tokens',
  frequency_penalty: 'gen_ai.request.frequency_penalty',
  presence_penalty: 'gen_ai.request.presence_penalty',
  seed: 'gen_ai.request.seed',
  stop: 'gen_ai.request.stop_sequences',
  stop_sequences: 'gen_ai.request.stop_sequences',
  n: 'gen_ai.request.choice.count',
  stream: 'gen_ai.request.stream',
});

const TOKEN_COUNTS: [string, string][] = [
  ['llm.token_count.prompt', 'gen_ai.usage.input_tokens'],
  ['llm.token_count.completion', 'gen_ai.usage.output_tokens'],
  ['llm.token_count.prompt_details.cache_read', 'gen_ai.usage.cache_read.input_tokens'],
  ['llm.token_count.prompt_details.cache_write', 'gen_ai.usage.cache_creation.input_tokens'],
  ['llm.token_count.completion_details.reasoning', 'gen_ai.usage.reasoning.output_tokens'],
];

export function isOpenInference(m: Attrs): boolean {
  for (const k of m.keys()) if (k === 'openinference.span.kind' || k.startsWith('llm.')) return true;
  return false;
}

function paramValue(v: unknown): AnyValue | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

/**
 * OpenInference's Bedrock spans name the model by its maker (llm.model_name "anthropic") and count
 * Bedrock's own inputTokens, without the cache; the request and response bodies they also send
 * (input.value, output.value) hold the model id and the cache counts. Read from there only then.
 */
function bedrockBodies(m: Attrs): void {
  if (str(m.get('llm.provider')) !== 'aws') return;
  const name = str(m.get('llm.model_name'));
  const request = parseJson(m.get('input.value')) as { modelId?: unknown } | undefined;
  if (typeof request?.modelId === 'string' && (!name || name === str(m.get('llm.system'))))
    m.set('llm.model_name', request.modelId);
  const response = parseJson(m.get('output.value')) as { usage?: Record<string, unknown> } | undefined;
  const u = response?.usage;
  if (!u || typeof u.inputTokens !== 'number') return;
  const read = typeof u.cacheReadInputTokens === 'number' ? u.cacheReadInputTokens : 0;
  const write = typeof u.cacheWriteInputTokens === 'number' ? u.cacheWriteInputTokens : 0;
  if (read + write === 0 || int(m.get('llm.token_count.prompt')) !== BigInt(u.inputTokens)) return;
  m.set('llm.token_count.prompt', BigInt(u.inputTokens + read + write));
  if (read) setDefault(m, 'llm.token_count.prompt_details.cache_read', BigInt(read));
  if (write) setDefault(m, 'llm.token_count.prompt_details.cache_write', BigInt(write));
}

export function normaliseOpenInference(m: Attrs): void {
  const kind = str(m.get('openinference.span.kind'))?.toUpperCase();
  bedrockBodies(m);
  if (kind && KINDS[kind]) setDefault(m, 'gen_ai.operation.name', KINDS[kind]);

  const params = parseJson(m.get('llm.invocation_parameters'));
  if (params && typeof params === 'object' && !Array.isArray(params)) {
    for (const [k, v] of Object.entries(params)) {
      const to = PARAMS[k];
      const value = paramValue(v);
      if (to && value !== undefined) setDefault(m, to, value);
    }
  }

  // EMBEDDING spans name their model embedding.model_name, RERANKER spans reranker.model_name (its
  // other reranker.* attributes — query, top_k, documents — have no GenAI counterpart and stay).
  move(m, 'embedding.model_name', 'gen_ai.request.model');
  if (kind === 'RERANKER') move(m, 'reranker.model_name', 'gen_ai.request.model');
  const model = m.get('llm.model_name');
  if (model !== undefined) {
    setDefault(m, 'gen_ai.request.model', model);
    move(m, 'llm.model_name', 'gen_ai.response.model');
  }
  const provider = str(m.get('llm.provider')) ?? str(m.get('llm.system'));
  if (provider) setDefault(m, 'gen_ai.provider.name', providerName(provider));
  m.delete('llm.provider');
  m.delete('llm.system');

  for (const [from, to] of TOKEN_COUNTS) move(m, from, to, int);
  if (m.has('gen_ai.usage.input_tokens') && m.has('gen_ai.usage.output_tokens'))
    m.delete('llm.token_count.total');

  const input = indexed(m, 'llm.input_messages.');
  if (input.size) {
    setDefault(m, 'gen_ai.input.messages', JSON.stringify(messagesFromFlat(input, OPENINFERENCE_LAYOUT)));
    deletePrefix(m, 'llm.input_messages.');
  }
  const output = indexed(m, 'llm.output_messages.');
  if (output.size) {
    setDefault(m, 'gen_ai.output.messages', JSON.stringify(messagesFromFlat(output, OPENINFERENCE_LAYOUT)));
    deletePrefix(m, 'llm.output_messages.');
  }

  move(m, 'llm.prompt_template.version', 'koder.prompt.version');
  move(m, 'session.id', 'gen_ai.conversation.id');
  move(m, 'agent.name', 'gen_ai.agent.name');
  if (kind === 'TOOL') {
    move(m, 'tool.name', 'gen_ai.tool.name');
    move(m, 'tool.description', 'gen_ai.tool.description');
    move(m, 'input.value', 'gen_ai.tool.call.arguments');
    move(m, 'output.value', 'gen_ai.tool.call.result');
  }
}
