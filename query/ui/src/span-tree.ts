// The span tree as rows to draw: parent/child links from span ids, children in start order, and the
// rows visible under a set of collapsed spans. Pure, so a 5,000-span trace is cheap to re-flatten.
import type { Span } from './api.ts';

/** What a span is to an agent developer; null for plain spans. */
export type SpanRole = 'llm' | 'tool' | 'agent' | 'retrieval' | 'rating' | null;

const LLM = new Set(['chat', 'text_completion', 'generate_content']);
const AGENT = new Set(['invoke_agent', 'create_agent']);
const RETRIEVAL = new Set(['embeddings', 'retrieval']);

export function spanRole(s: Span): SpanRole {
  if (s.attributes['koder.rating.score'] !== undefined) return 'rating';
  const op = s.genAi?.operation ?? (s.attributes['gen_ai.operation.name'] as string | undefined) ?? '';
  if (LLM.has(op)) return 'llm';
  if (op === 'execute_tool') return 'tool';
  if (AGENT.has(op)) return 'agent';
  if (RETRIEVAL.has(op)) return 'retrieval';
  return null;
}

export interface SpanTree {
  roots: Span[];
  children: Map<string, Span[]>;
  byId: Map<string, Span>;
}

export function buildTree(spans: readonly Span[]): SpanTree {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const s of spans) {
    // A span whose parent was not received (sampled away, still in flight) is shown as a root.
    if (!s.parentSpanId || !byId.has(s.parentSpanId)) {
      roots.push(s);
      continue;
    }
    const list = children.get(s.parentSpanId);
    if (list) list.push(s);
    else children.set(s.parentSpanId, [s]);
  }
  const byStart = (a: Span, b: Span) => a.offsetMs - b.offsetMs;
  for (const list of children.values()) list.sort(byStart);
  // Spans on a parent cycle (bad data) are reachable from no root: each cycle gets one shown as a root.
  const reached = new Set<string>();
  const reach = (from: Span) => {
    const stack = [from];
    while (stack.length) {
      const s = stack.pop() as Span;
      if (reached.has(s.spanId)) continue;
      reached.add(s.spanId);
      stack.push(...(children.get(s.spanId) ?? []));
    }
  };
  for (const r of roots) reach(r);
  for (const s of spans)
    if (!reached.has(s.spanId)) {
      roots.push(s);
      reach(s);
    }
  roots.sort(byStart);
  return { roots, children, byId };
}

export interface TreeRow {
  span: Span;
  depth: number;
  hasChildren: boolean;
  collapsed: boolean;
}

/** Rows in depth-first order, skipping what lies under collapsed spans (iterative: traces can be deep). */
export function visibleRows(tree: SpanTree, collapsed: ReadonlySet<string>): TreeRow[] {
  const rows: TreeRow[] = [];
  const seen = new Set<string>();
  const stack = tree.roots.map((span) => ({ span, depth: 0 })).reverse();
  while (stack.length) {
    const { span, depth } = stack.pop() as { span: Span; depth: number };
    if (seen.has(span.spanId)) continue; // a cycle in bad data must not hang the page
    seen.add(span.spanId);
    const kids = tree.children.get(span.spanId) ?? [];
    const isCollapsed = collapsed.has(span.spanId);
    rows.push({ span, depth, hasChildren: kids.length > 0, collapsed: isCollapsed });
    if (!isCollapsed)
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i] as Span, depth: depth + 1 });
  }
  return rows;
}

/** Large traces open showing the root's children only; small ones open fully. */
export function initiallyCollapsed(tree: SpanTree, limit = 200): Set<string> {
  if (tree.byId.size <= limit) return new Set();
  const out = new Set<string>();
  for (const root of tree.roots)
    for (const child of tree.children.get(root.spanId) ?? [])
      if (tree.children.has(child.spanId)) out.add(child.spanId);
  return out;
}

/** The spans from a root down to this one, so selecting a hidden span can reveal it. */
export function ancestors(tree: SpanTree, spanId: string): string[] {
  const out: string[] = [];
  let p = tree.byId.get(spanId)?.parentSpanId;
  while (p && tree.byId.has(p) && !out.includes(p)) {
    out.push(p);
    p = tree.byId.get(p)?.parentSpanId;
  }
  return out;
}

/** Whether a span says `text` (case folded): its name, status message, attribute values or GenAI content. */
export function spanMatches(span: Span, text: string): boolean {
  const q = text.trim().toLowerCase();
  if (!q) return false;
  const says = (v: unknown): boolean =>
    typeof v === 'string'
      ? v.toLowerCase().includes(q)
      : Array.isArray(v)
        ? v.some(says)
        : v !== null && typeof v === 'object' && Object.values(v).some(says);
  return (
    span.name.toLowerCase().includes(q) ||
    says(span.status.message) ||
    says(span.attributes) ||
    says(span.genAi)
  );
}

/**
 * The next span (in tree order, collapsed or not) after `from` that `hit` accepts, wrapping around; the
 * first one when `from` is null. Undefined when none does.
 */
export function nextSpan(tree: SpanTree, from: string | null, hit: (s: Span) => boolean): Span | undefined {
  const all = visibleRows(tree, new Set()).map((r) => r.span);
  const at = from === null ? -1 : all.findIndex((s) => s.spanId === from);
  for (let i = 1; i <= all.length; i++) {
    const s = all[(at + i + all.length) % all.length] as Span;
    if (hit(s)) return s;
  }
  return undefined;
}
