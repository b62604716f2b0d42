// Which spans of a trace are counted in its totals. Agent frameworks put the sum of their children's
// usage on the parent span (the Vercel AI SDK on `invoke_agent` and `ai.generateText`, LangChain and
// OpenInference on CHAIN/AGENT spans), and two instrumentations of one call nest (OpenInference over
// OpenLLMetry): adding every span's usage counts those calls twice. The rule:
//
//   A trace's usage is the sum over the deepest spans that carry usage: a span with a descendant that
//   carries usage is that descendant's rolled-up view (a "rollup") and is never added again. A span
//   that reports usage with none below it (a framework that reports only the aggregate) counts once.
//
// LLM calls are counted the same way over LLM operations (chat, completion, generate_content,
// embeddings), tool calls over execute_tool spans (an agent's tool span over an MCP client span is one
// call). Cost follows usage: it is summed over the spans whose usage is counted. Pure: rows in, ids out.
//
// An aggregate larger than what is counted below it: per usage field, a rollup adds
// max(0, its own − what is counted below it), once (its `excess`, priced at its own model). Under the
// OTel GenAI conventions an aggregate is the sum of its calls, so an excess is usage of calls that sent
// no span (an uninstrumented client, a dropped child): real tokens, seen nowhere else. Equal or
// smaller aggregates (the usual case; partial views without cache counts) add nothing.

/** The span fields the rule reads. */
export interface UsageNode {
  span_id: string;
  parent_span_id: string;
  operation: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  reasoning_tokens: number;
  /** Ratings are feedback spans, never calls. */
  rating?: number | null;
}

/** Operations that are one call to a model. */
export const LLM_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);

export const hasUsage = (n: UsageNode) =>
  n.input_tokens > 0 ||
  n.output_tokens > 0 ||
  n.cache_read_tokens > 0 ||
  n.cache_creation_tokens > 0 ||
  n.reasoning_tokens > 0;
export const isLlmCall = (n: UsageNode) =>
  (n.rating ?? null) === null && LLM_OPERATIONS.has(n.operation ?? '');
export const isToolCall = (n: UsageNode) => (n.rating ?? null) === null && n.operation === 'execute_tool';

/** A span that takes part in the rule: any other span changes nothing but the links between them. */
export const isCarrier = (n: UsageNode) => hasUsage(n) || isLlmCall(n) || isToolCall(n);

/** The usage fields, as the span rows name them. */
export const USAGE_FIELDS = [
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'reasoning_tokens',
] as const;
export type UsageField = (typeof USAGE_FIELDS)[number];
export type Usage = Record<UsageField, number>;

export interface Rollups {
  /** Per usage rollup with an excess: the usage it adds (the rest is its descendants'). */
  excess: Map<string, Usage>;
  /** Spans whose usage (and cost) is their descendants' rolled up: not added to totals. */
  usage: Set<string>;
  /** LLM-call spans with an LLM call below them: not counted as a call. */
  llm: Set<string>;
  /** Tool-call spans with a tool call below them. */
  tool: Set<string>;
}

/**
 * The rollups of one trace's spans. From each span of a kind, the ancestors of the same kind are
 * marked; each ancestor chain is walked once in all (a span reached before has had its ancestors
 * marked already), so this is linear in the spans, and cycles in bad parent links end the walk.
 */
export function rollups(nodes: readonly UsageNode[]): Rollups {
  const parent = new Map<string, string>();
  for (const n of nodes) if (n.parent_span_id) parent.set(n.span_id, n.parent_span_id);
  const mark = (is: (n: UsageNode) => boolean): Set<string> => {
    const of = new Set<string>();
    for (const n of nodes) if (is(n)) of.add(n.span_id);
    const rolled = new Set<string>();
    const walked = new Set<string>();
    for (const id of of) {
      let up = parent.get(id);
      while (up !== undefined && !walked.has(up)) {
        walked.add(up);
        if (of.has(up)) rolled.add(up);
        up = parent.get(up);
      }
    }
    return rolled;
  };
  const usage = mark(hasUsage);
  return { usage, llm: mark(isLlmCall), tool: mark(isToolCall), excess: excesses(nodes, usage) };
}

/**
 * What each usage rollup adds beyond what is counted below it. Counted in a subtree, per field: a
 * span that is not a rollup its own usage plus its subtree's (none: it has no usage below it), a
 * rollup the larger of its own and what is counted below it. Walked from the roots (spans whose parent
 * is not in the trace) after the children, without recursion; spans only reached through a parent
 * cycle add no excess.
 */
function excesses(nodes: readonly UsageNode[], rolled: ReadonlySet<string>): Map<string, Usage> {
  const out = new Map<string, Usage>();
  if (rolled.size === 0) return out;
  const byId = new Map(nodes.map((n) => [n.span_id, n]));
  const children = new Map<string, UsageNode[]>();
  for (const n of nodes) {
    if (!n.parent_span_id || !byId.has(n.parent_span_id) || n.parent_span_id === n.span_id) continue;
    const list = children.get(n.parent_span_id) ?? [];
    list.push(n);
    children.set(n.parent_span_id, list);
  }
  const counted = new Map<string, Usage>();
  const zero = (): Usage => ({
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_creation_tokens: 0,
    reasoning_tokens: 0,
  });
  const seen = new Set<string>();
  /** `inCycle`: spans whose parent links go round add nothing (bad links decide no usage). */
  const settleFrom = (root: UsageNode, inCycle = false) => {
    // Post-order with an explicit stack: each span after all of its children.
    const stack: [UsageNode, boolean][] = [[root, false]];
    while (stack.length) {
      const [n, expanded] = stack.pop() as [UsageNode, boolean];
      if (!expanded) {
        if (seen.has(n.span_id)) continue;
        seen.add(n.span_id);
        stack.push([n, true]);
        for (const c of children.get(n.span_id) ?? []) if (!seen.has(c.span_id)) stack.push([c, false]);
        continue;
      }
      const below = zero();
      for (const c of children.get(n.span_id) ?? [])
        for (const f of USAGE_FIELDS) below[f] += counted.get(c.span_id)?.[f] ?? 0;
      const total = zero();
      const extra = zero();
      let any = false;
      for (const f of USAGE_FIELDS) {
        if (rolled.has(n.span_id)) {
          extra[f] = Math.max(0, n[f] - below[f]);
          if (extra[f] > 0) any = true;
          total[f] = below[f] + extra[f];
        } else total[f] = below[f] + n[f];
      }
      if (any && !inCycle) out.set(n.span_id, extra);
      counted.set(n.span_id, total);
    }
  };
  for (const n of nodes) if (!n.parent_span_id || !byId.has(n.parent_span_id)) settleFrom(n);
  for (const n of nodes) if (!seen.has(n.span_id)) settleFrom(n, true);
  return out;
}

export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  reasoningTokens: number;
  llmCalls: number;
  toolCalls: number;
}

/** The trace's totals under the rule. */
export function usageTotals(nodes: readonly UsageNode[], r: Rollups = rollups(nodes)): UsageTotals {
  const t: UsageTotals = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    reasoningTokens: 0,
    llmCalls: 0,
    toolCalls: 0,
  };
  for (const n of nodes) {
    const u = r.usage.has(n.span_id) ? r.excess.get(n.span_id) : n;
    if (u) {
      t.inputTokens += u.input_tokens;
      t.outputTokens += u.output_tokens;
      t.cacheReadTokens += u.cache_read_tokens;
      t.cacheCreationTokens += u.cache_creation_tokens;
      t.reasoningTokens += u.reasoning_tokens;
    }
    if (isLlmCall(n) && !r.llm.has(n.span_id)) t.llmCalls++;
    if (isToolCall(n) && !r.tool.has(n.span_id)) t.toolCalls++;
  }
  return t;
}

/** Sets each row's `rollup` bits (1 usage, 2 LLM call, 4 tool call) from its trace's rows; returns the rollups. */
export function markRollups(rows: (UsageNode & { rollup: number })[]): Rollups {
  const r = rollups(rows);
  for (const n of rows) {
    n.rollup =
      (r.usage.has(n.span_id) ? 1 : 0) |
      (isLlmCall(n) && r.llm.has(n.span_id) ? 2 : 0) |
      (isToolCall(n) && r.tool.has(n.span_id) ? 4 : 0);
  }
  return r;
}
