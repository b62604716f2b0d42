// Older OTel GenAI names (≤ v1.36) → current ones. Applied to every GenAI span, after the
// instrumentation-specific mappers, so their output is also brought up to date.
import type { Attrs } from './attrs.ts';
import { int, move, str } from './attrs.ts';
import { providerForScope, providerName } from './providers.ts';

/** `scope`: the instrumentation scope's name, which tells an ambiguous old system name apart. */
export function normaliseDeprecatedGenAi(m: Attrs, scope = ''): void {
  move(m, 'gen_ai.system', 'gen_ai.provider.name', (v) =>
    str(v) ? providerForScope(providerName(str(v) as string), scope) : undefined,
  );
  const provider = str(m.get('gen_ai.provider.name'));
  if (provider !== undefined && provider !== providerName(provider))
    m.set('gen_ai.provider.name', providerName(provider));
  move(m, 'gen_ai.usage.prompt_tokens', 'gen_ai.usage.input_tokens', int);
  move(m, 'gen_ai.usage.completion_tokens', 'gen_ai.usage.output_tokens', int);
  move(m, 'gen_ai.openai.request.seed', 'gen_ai.request.seed');
  move(m, 'gen_ai.usage.cache_write.input_tokens', 'gen_ai.usage.cache_creation.input_tokens', int);
  // OpenLLMetry (old and new) names cached input so: unmapped, cached input was priced in full.
  move(m, 'gen_ai.usage.cache_read_input_tokens', 'gen_ai.usage.cache_read.input_tokens', int);
  move(m, 'gen_ai.usage.cache_creation_input_tokens', 'gen_ai.usage.cache_creation.input_tokens', int);
  // OpenLLMetry's name for reasoning tokens (its Google GenAI instrumentation): unmapped, they were lost.
  move(m, 'gen_ai.usage.reasoning_tokens', 'gen_ai.usage.reasoning.output_tokens', int);
  for (const k of [
    'gen_ai.usage.input_tokens',
    'gen_ai.usage.output_tokens',
    'gen_ai.usage.cache_read.input_tokens',
    'gen_ai.usage.cache_creation.input_tokens',
    'gen_ai.usage.reasoning.output_tokens',
  ]) {
    const v = m.get(k);
    if (v !== undefined && typeof v !== 'bigint') {
      const n = int(v);
      if (n === undefined) m.delete(k);
      else m.set(k, n);
    }
  }
  // The conventions count reasoning inside output_tokens; Gemini's candidatesTokenCount leaves the
  // thoughts out, and instrumentations that copy it (OpenLLMetry's Google GenAI) send it as output.
  // Their total (Gemini's totalTokenCount) then is input + output + reasoning, which an output that
  // includes reasoning cannot give: certain, so the reasoning is added back to output.
  const total = int(m.get('gen_ai.usage.total_tokens') ?? m.get('llm.usage.total_tokens'));
  const output = m.get('gen_ai.usage.output_tokens');
  const reasoning = m.get('gen_ai.usage.reasoning.output_tokens');
  const sent = m.get('gen_ai.usage.input_tokens');
  if (
    typeof total === 'bigint' &&
    typeof output === 'bigint' &&
    typeof reasoning === 'bigint' &&
    typeof sent === 'bigint' &&
    reasoning > 0n &&
    total === sent + output + reasoning
  )
    m.set('gen_ai.usage.output_tokens', output + reasoning);
  // The conventions count cache reads and writes inside input_tokens; Anthropic's API counts them
  // apart, and instrumentations that copy its input_tokens (OpenLLMetry's Anthropic) send fewer input
  // tokens than cached ones — impossible under the conventions, so certain: they are added back.
  // (When the uncached part is the larger, the two readings cannot be told apart and it is kept.)
  const input = m.get('gen_ai.usage.input_tokens');
  const cached =
    ((m.get('gen_ai.usage.cache_read.input_tokens') as bigint | undefined) ?? 0n) +
    ((m.get('gen_ai.usage.cache_creation.input_tokens') as bigint | undefined) ?? 0n);
  if (typeof input === 'bigint' && input < cached) m.set('gen_ai.usage.input_tokens', input + cached);
  // Totals have no OTel equivalent: derivable from input + output, so not stored twice — unless they
  // say more: a total above input + output counts tokens the library did not report apart (Gemini's
  // thoughts or tool-use prompt, which OpenLLMetry's Vertex AI instrumentation leaves out). Which
  // kind is not certain, so they are not counted; the total stays on the span to show the gap.
  const stated = int(m.get('gen_ai.usage.total_tokens') ?? m.get('llm.usage.total_tokens'));
  const inTokens = m.get('gen_ai.usage.input_tokens');
  const outTokens = m.get('gen_ai.usage.output_tokens');
  if (
    typeof inTokens === 'bigint' &&
    typeof outTokens === 'bigint' &&
    (typeof stated !== 'bigint' || stated <= inTokens + outTokens)
  ) {
    m.delete('gen_ai.usage.total_tokens');
    m.delete('llm.usage.total_tokens');
  }
  const reasons = m.get('gen_ai.response.finish_reasons');
  if (typeof reasons === 'string') m.set('gen_ai.response.finish_reasons', [reasons]);
}
