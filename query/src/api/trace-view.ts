// The API's view of stored spans: per span its GenAI view, per trace the totals, the order of LLM and
// tool calls, and the errors. Pure: rows in, JSON-ready objects out.
import { callCost, type PriceTable, priceFor } from '../cost/prices.ts';
import type { SpanRow } from '../store/span-row.ts';

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'];
const ms = (ns: bigint) => Number(ns) / 1e6;

// Content lifted into the GenAI view is not repeated under `attributes` (it is the bulk of a trace).
const LIFTED = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
];

/** Content that arrived as JSON text (tool arguments and results) is returned structured when it is JSON. */
function structured(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const c = v.charCodeAt(0);
  if (c !== 0x7b && c !== 0x5b) return v; // only objects and arrays are worth parsing
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

const REQUEST_PREFIX = 'gen_ai.request.';

export function genAiView(r: SpanRow, attrs: Record<string, unknown>) {
  if (!r.operation && !r.request_model && !r.response_model) return undefined;
  const params: Record<string, unknown> = {};
  for (const k in attrs) {
    if (k.startsWith(REQUEST_PREFIX) && k !== 'gen_ai.request.model')
      params[k.slice(REQUEST_PREFIX.length)] = attrs[k];
  }
  return {
    operation: r.operation,
    provider: r.provider,
    requestModel: r.request_model,
    responseModel: r.response_model,
    parameters: params,
    inputMessages: attrs['gen_ai.input.messages'],
    outputMessages: attrs['gen_ai.output.messages'],
    systemInstructions: attrs['gen_ai.system_instructions'],
    toolName: attrs['gen_ai.tool.name'],
    toolCallArguments: structured(attrs['gen_ai.tool.call.arguments']),
    toolCallResult: structured(attrs['gen_ai.tool.call.result']),
    finishReasons: attrs['gen_ai.response.finish_reasons'],
    usage: {
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
      cacheReadTokens: r.cache_read_tokens,
      cacheCreationTokens: r.cache_creation_tokens,
      reasoningTokens: r.reasoning_tokens,
    },
    promptId: r.prompt_id,
    promptVersion: r.prompt_version,
    conversationId: r.conversation_id,
  };
}

function withoutLifted(attrs: Record<string, unknown>): Record<string, unknown> {
  for (const k of LIFTED) delete attrs[k];
  return attrs;
}

export function spanCost(prices: PriceTable, r: SpanRow): number | undefined {
  return callCost(priceFor(prices, r.provider, r.response_model ?? r.request_model), {
    input: Number(r.input_tokens),
    output: Number(r.output_tokens),
    cacheRead: Number(r.cache_read_tokens),
    cacheCreation: Number(r.cache_creation_tokens),
  });
}

/**
 * The critical path: from the root, repeatedly the child that finished last (the one the parent
 * waited for), as Jaeger computes it. Span ids, root first.
 */
export function criticalPath(
  rows: readonly Pick<SpanRow, 'span_id' | 'parent_span_id' | 'end_ns' | 'rating'>[],
): string[] {
  const children = new Map<string, (typeof rows)[number][]>();
  for (const r of rows) {
    if (r.rating !== null) continue; // ratings are feedback, not work
    const list = children.get(r.parent_span_id) ?? [];
    list.push(r);
    children.set(r.parent_span_id, list);
  }
  const path: string[] = [];
  let current = children.get('')?.reduce((a, b) => (b.end_ns > a.end_ns ? b : a));
  const seen = new Set<string>();
  while (current && !seen.has(current.span_id)) {
    seen.add(current.span_id);
    path.push(current.span_id);
    current = children.get(current.span_id)?.reduce((a, b) => (b.end_ns > a.end_ns ? b : a));
  }
  return path;
}

export function traceView(traceId: string, rows: SpanRow[], prices: PriceTable) {
  // bigint nanoseconds: Math.min/max do not apply.
  let start = rows[0]?.start_ns ?? 0n;
  let end = 0n;
  for (const r of rows) {
    if (r.start_ns < start) start = r.start_ns;
    if (r.end_ns > end) end = r.end_ns;
  }
  // Spans of a trace mostly share one resource: parse each distinct one once.
  const resources = new Map<string, Record<string, unknown>>();
  const resourceOf = (json: string) => {
    let r = resources.get(json);
    if (!r) {
      r = JSON.parse(json) as Record<string, unknown>;
      resources.set(json, r);
    }
    return r;
  };
  const costs = rows.map((r) => spanCost(prices, r));
  const spans = rows.map((r, i) => {
    const attributes = JSON.parse(r.attributes) as Record<string, unknown>;
    const genAi = genAiView(r, attributes);
    if (genAi) withoutLifted(attributes);
    return {
      spanId: r.span_id,
      parentSpanId: r.parent_span_id || null,
      name: r.name,
      kind: KINDS[Number(r.kind)] ?? String(r.kind),
      service: r.service,
      startTimeUnixNano: r.start_ns.toString(),
      offsetMs: ms(r.start_ns - start),
      durationMs: ms(r.duration_ns),
      status: { code: STATUS[Number(r.status_code)] ?? String(r.status_code), message: r.status_message },
      error: Number(r.is_error) === 1,
      attributes,
      resource: resourceOf(r.resource),
      events: r.events === '[]' ? [] : (JSON.parse(r.events) as unknown[]),
      links: r.links === '[]' ? [] : (JSON.parse(r.links) as unknown[]),
      genAi,
      costUsd: costs[i] ?? null,
      adjustedCount: Number(r.adjusted_count),
    };
  });
  const sum = (f: (r: SpanRow) => number) => rows.reduce((n, r) => n + Number(f(r)), 0);
  const calls = spans
    .filter(
      (s) =>
        s.genAi &&
        ['chat', 'text_completion', 'generate_content', 'embeddings', 'execute_tool'].includes(
          String(s.genAi.operation),
        ),
    )
    .map((s) => ({
      spanId: s.spanId,
      type: s.genAi?.operation === 'execute_tool' ? 'tool' : 'llm',
      name: s.name,
      offsetMs: s.offsetMs,
      durationMs: s.durationMs,
      error: s.error,
    }));
  const root = spans.find((s) => !s.parentSpanId);
  const ratings = rows
    .filter((r) => r.rating !== null)
    .map((r) => {
      const a = JSON.parse(r.attributes) as Record<string, unknown>;
      return {
        spanId: r.span_id,
        ratedSpanId: r.parent_span_id,
        score: r.rating,
        comment: a['koder.rating.comment'] ?? null,
        source: a['koder.rating.source'] ?? null,
      };
    });
  return {
    traceId,
    rootService: root?.service ?? null,
    rootName: root?.name ?? null,
    startTimeUnixNano: start.toString(),
    durationMs: ms(end - start),
    spanCount: spans.length,
    totals: {
      inputTokens: sum((r) => r.input_tokens),
      outputTokens: sum((r) => r.output_tokens),
      cacheReadTokens: sum((r) => r.cache_read_tokens),
      cacheCreationTokens: sum((r) => r.cache_creation_tokens),
      reasoningTokens: sum((r) => r.reasoning_tokens),
      llmCalls: calls.filter((c) => c.type === 'llm').length,
      toolCalls: calls.filter((c) => c.type === 'tool').length,
      errors: spans.filter((s) => s.error).length,
      costUsd: costs.reduce((n: number, c) => n + (c ?? 0), 0),
    },
    ratings,
    calls,
    criticalPath: criticalPath(rows),
    errors: spans
      .filter((s) => s.error)
      .map((s) => ({ spanId: s.spanId, name: s.name, message: s.status.message })),
    spans,
  };
}
