// The attribute names Koder Trace writes and reads, once: the OpenTelemetry GenAI conventions it
// normalises every instrumentation to (https://opentelemetry.io/docs/specs/semconv/gen-ai/; many are
// still incubating, so they are kept here as opentelemetry-js keeps its incubating names), and its own
// `koder.*` names. Names of other shapes (OpenInference, OpenLLMetry, the AI SDK's `ai.*`, deprecated
// GenAI names) are read only by their normalisers and stay there.

// — GenAI: the operation and who served it
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
/** Request parameters (`gen_ai.request.temperature`, `…max_tokens`, …) share this prefix. */
export const GEN_AI_REQUEST_PREFIX = 'gen_ai.request.';
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';

// — GenAI: usage
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';

// — GenAI: content (captured per the tenant's content capture)
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';

// — GenAI: tools
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
export const ATTR_GEN_AI_TOOL_DEFINITIONS = 'gen_ai.tool.definitions';

// — Who the application served (general OTel attributes): the users page and filter
export const ATTR_USER_ID = 'user.id';
export const ATTR_ENDUSER_ID = 'enduser.id';

// — Koder Trace's own
export const ATTR_KODER_TENANT = 'koder.tenant';
export const ATTR_KODER_PROMPT_ID = 'koder.prompt.id';
export const ATTR_KODER_PROMPT_VERSION = 'koder.prompt.version';
/** One request of the application (billing reconciles by it). */
export const ATTR_KODER_REQUEST_ID = 'koder.request_id';
export const ATTR_KODER_RATING_SCORE = 'koder.rating.score';
export const ATTR_KODER_RATING_COMMENT = 'koder.rating.comment';
export const ATTR_KODER_RATING_SOURCE = 'koder.rating.source';
/** 1/p of the sampling that kept the span: counts reweighted by it estimate the unsampled totals. */
export const ATTR_KODER_SAMPLING_ADJUSTED_COUNT = 'koder.sampling.adjusted_count';
