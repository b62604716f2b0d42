// gen_ai.provider.name values (OTel GenAI conventions) from what older conventions and other
// instrumentations send: gen_ai.system (sometimes capitalised), OpenInference llm.provider/llm.system.
import { lookupTable } from './attrs.ts';

const ALIASES = lookupTable({
  openai: 'openai',
  anthropic: 'anthropic',
  cohere: 'cohere',
  mistral_ai: 'mistral_ai',
  mistralai: 'mistral_ai',
  mistral: 'mistral_ai',
  groq: 'groq',
  deepseek: 'deepseek',
  perplexity: 'perplexity',
  x_ai: 'x_ai',
  xai: 'x_ai',
  'aws.bedrock': 'aws.bedrock',
  aws_bedrock: 'aws.bedrock',
  bedrock: 'aws.bedrock',
  aws: 'aws.bedrock',
  'azure.ai.openai': 'azure.ai.openai',
  'az.ai.openai': 'azure.ai.openai',
  azure: 'azure.ai.openai',
  azure_openai: 'azure.ai.openai',
  'azure.ai.inference': 'azure.ai.inference',
  'az.ai.inference': 'azure.ai.inference',
  'gcp.gemini': 'gcp.gemini',
  gemini: 'gcp.gemini',
  google: 'gcp.gemini',
  'gcp.vertex_ai': 'gcp.vertex_ai',
  vertex_ai: 'gcp.vertex_ai',
  vertexai: 'gcp.vertex_ai',
  'gcp.gen_ai': 'gcp.gen_ai',
  'ibm.watsonx.ai': 'ibm.watsonx.ai',
  watsonx: 'ibm.watsonx.ai',
  // The Vercel AI SDK's provider ids (before the API suffix, see below)
  'google.generative-ai': 'gcp.gemini',
  'google.vertex': 'gcp.vertex_ai',
  'google-vertex': 'gcp.vertex_ai',
  'amazon-bedrock': 'aws.bedrock',
  'azure-openai': 'azure.ai.openai',
  'anthropic.vertex': 'gcp.vertex_ai',
  deepinfra: 'deepinfra',
  togetherai: 'togetherai',
});

/** The Vercel AI SDK names a provider with the API it used: openai.chat, anthropic.messages, … */
const API_SUFFIX =
  /\.(chat|responses|completion|embedding|messages|image|transcription|speech|text|language-model|textembedding)$/;

/** The current provider name; unknown providers are kept, lower-cased. */
export function providerName(raw: string): string {
  const key = raw.trim().toLowerCase();
  const known = ALIASES[key];
  if (known) return known;
  const bare = key.replace(API_SUFFIX, '');
  return ALIASES[bare] ?? bare;
}

/**
 * Instrumentations that name the provider only "Google" (gen_ai.system) while instrumenting Vertex
 * AI: their scope says which Google API it was. OpenLLMetry's Vertex AI instrumentation
 * (@traceloop/instrumentation-vertexai) sends "Google" for calls to Vertex AI, not the Gemini API.
 */
const VERTEX_SCOPE = /vertex-?ai|aiplatform/i;

/**
 * A provider name read from the old gen_ai.system, corrected by the instrumentation scope where the
 * name alone is ambiguous (a current gen_ai.provider.name is not).
 */
export function providerForScope(provider: string, scope: string): string {
  return provider === 'gcp.gemini' && VERTEX_SCOPE.test(scope) ? 'gcp.vertex_ai' : provider;
}
