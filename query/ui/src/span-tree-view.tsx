// The span tree with its waterfall, virtualised: only the rows in view are in the DOM, so agent
// traces of thousands of spans scroll smoothly. Keyboard: ↑ ↓ move, → expands, ← collapses or goes
// to the parent, Enter opens the span's panel, Escape closes it.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Span, Trace } from './api.ts';
import * as fmt from './format.ts';
import { ancestors, nextSpan, type SpanTree, spanMatches, spanRole, visibleRows } from './span-tree.ts';

const ROW_HEIGHT = 28;
const ROLE_LABEL = {
  llm: 'LLM',
  tool: 'tool',
  agent: 'agent',
  retrieval: 'retrieval',
  rating: 'rating',
} as const;

interface Props {
  tree: SpanTree;
  trace: Trace;
  collapsed: Set<string>;
  setCollapsed: (c: Set<string>) => void;
  selectedId: string | null;
  select: (id: string | null) => void;
}

export function SpanTreeView({ tree, trace, collapsed, setCollapsed, selectedId, select }: Props) {
  const rows = useMemo(() => visibleRows(tree, collapsed), [tree, collapsed]);
  const critical = useMemo(() => new Set(trace.criticalPath), [trace]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const index = rows.findIndex((r) => r.span.spanId === selectedId);
  // Counted as the header counts them: ratings are rows of the tree, not spans of the run.
  const ratingCount = trace.ratings.length;
  const shownSpans = useMemo(() => rows.filter((r) => spanRole(r.span) !== 'rating').length, [rows]);
  const total = trace.durationMs || 1;

  // Time to first render of the tree, for the browser test and anyone profiling the page.
  useEffect(() => {
    performance.mark('koder:span-tree-rendered');
  }, []);

  const toggle = (id: string, open?: boolean) => {
    const next = new Set(collapsed);
    const close = open === undefined ? !next.has(id) : !open;
    if (close) next.add(id);
    else next.delete(id);
    setCollapsed(next);
  };
  // Find in the trace, and go to the next error: the span is revealed (its ancestors opened) and selected.
  const [find, setFind] = useState('');
  const matches = useMemo(
    () =>
      find.trim()
        ? new Set([...tree.byId.values()].filter((s) => spanMatches(s, find)).map((s) => s.spanId))
        : new Set(),
    [tree, find],
  );
  const errorCount = useMemo(() => [...tree.byId.values()].filter((s) => s.error).length, [tree]);
  const goTo = (span: Span | undefined) => {
    if (!span) return;
    const hidden = ancestors(tree, span.spanId).filter((a) => collapsed.has(a));
    if (hidden.length) setCollapsed(new Set([...collapsed].filter((c) => !hidden.includes(c))));
    select(span.spanId);
  };
  // Scrolls the selection into view once its row exists (after revealing it, on the next render).
  useEffect(() => {
    if (index >= 0) virtual.scrollToIndex(index, { align: 'auto' });
  }, [selectedId, index >= 0]);
  const expandAll = () => setCollapsed(new Set());
  const collapseAll = () => setCollapsed(new Set([...tree.children.keys()]));

  const move = (i: number) => {
    const r = rows[Math.max(0, Math.min(rows.length - 1, i))];
    if (!r) return;
    select(r.span.spanId);
    virtual.scrollToIndex(rows.indexOf(r), { align: 'auto' });
  };
  const onKey = (e: KeyboardEvent) => {
    const current = rows[index];
    switch (e.key) {
      case 'ArrowDown':
        move(index + 1);
        break;
      case 'ArrowUp':
        move(index < 0 ? 0 : index - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(rows.length - 1);
        break;
      case 'ArrowRight':
        if (current?.hasChildren && current.collapsed) toggle(current.span.spanId, true);
        else if (current?.hasChildren) move(index + 1);
        break;
      case 'ArrowLeft':
        if (current?.hasChildren && !current.collapsed) toggle(current.span.spanId, false);
        else if (current?.span.parentSpanId) {
          const p = rows.findIndex((r) => r.span.spanId === current.span.parentSpanId);
          if (p >= 0) move(p);
        }
        break;
      case 'Enter':
        if (index < 0) move(0);
        break;
      case 'Escape':
        select(null);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  return (
    <section class="span-tree" aria-label="Span tree">
      <div class="tree-tools">
        <button type="button" onClick={expandAll}>
          Expand all
        </button>
        <button type="button" onClick={collapseAll}>
          Collapse all
        </button>
        <input
          type="search"
          class="find"
          aria-label="Find in trace"
          placeholder="Find in trace"
          value={find}
          onInput={(e) => setFind(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') goTo(nextSpan(tree, selectedId, (s) => matches.has(s.spanId)));
          }}
        />
        {find.trim() && (
          <span class="hint">
            {matches.size} {matches.size === 1 ? 'match' : 'matches'}
          </span>
        )}
        <button
          type="button"
          disabled={errorCount === 0}
          onClick={() => goTo(nextSpan(tree, selectedId, (s) => s.error))}
        >
          Next error{errorCount ? ` (${errorCount})` : ''}
        </button>
        <span class="hint">
          {shownSpans} of {trace.spanCount} spans shown
          {ratingCount > 0 && ` · ${ratingCount} ${ratingCount === 1 ? 'rating' : 'ratings'}`} · ↑ ↓ ← → to
          move, Enter to open
        </span>
        <span class="legend">
          <i class="role llm">LLM</i> <i class="role tool">tool</i> <i class="role agent">agent</i>{' '}
          <i class="role retrieval">retrieval</i> <i class="crit">critical path</i>
        </span>
      </div>
      <div
        class="tree-scroll"
        ref={scroller}
        tabIndex={0}
        role="tree"
        aria-activedescendant={selectedId ? `span-${selectedId}` : undefined}
        onKeyDown={onKey}
      >
        <div style={{ height: `${virtual.getTotalSize()}px`, position: 'relative' }}>
          {virtual.getVirtualItems().map((item) => {
            const {
              span,
              depth,
              hasChildren,
              collapsed: isCollapsed,
            } = rows[item.index] as (typeof rows)[number];
            const role = spanRole(span);
            // A rating comes after the trace: its mark sits at the right edge.
            const left = Math.min((span.offsetMs / total) * 100, 99.5);
            const width = Math.max((span.durationMs / total) * 100, 0.2);
            const classes = [
              'tree-row',
              span.error && 'error',
              span.spanId === selectedId && 'selected',
              matches.has(span.spanId) && 'match',
              role && `is-${role}`,
            ];
            return (
              // biome-ignore lint/a11y/useKeyWithClickEvents: the tree handles the keyboard (aria-activedescendant)
              // biome-ignore lint/a11y/useFocusableInteractive: focus stays on the tree, which owns the rows
              <div
                key={span.spanId}
                id={`span-${span.spanId}`}
                role="treeitem"
                aria-level={depth + 1}
                aria-expanded={hasChildren ? !isCollapsed : undefined}
                aria-selected={span.spanId === selectedId}
                class={classes.filter(Boolean).join(' ')}
                style={{ transform: `translateY(${item.start}px)`, height: `${ROW_HEIGHT}px` }}
                onClick={() => select(span.spanId)}
              >
                <div class="tree-name" style={{ paddingLeft: `${depth * 14 + 4}px` }}>
                  {hasChildren ? (
                    <button
                      type="button"
                      class="twisty"
                      tabIndex={-1}
                      aria-label={isCollapsed ? 'Expand' : 'Collapse'}
                      onClick={(e) => {
                        e.stopPropagation();
                        toggle(span.spanId);
                      }}
                    >
                      {isCollapsed ? '▸' : '▾'}
                    </button>
                  ) : (
                    <span class="twisty" />
                  )}
                  {role && <i class={`role ${role}`}>{ROLE_LABEL[role]}</i>}
                  <span class="span-name" title={span.name}>
                    {role === 'rating'
                      ? `rated ${fmt.score(Number(span.attributes['koder.rating.score']))}`
                      : span.name}
                  </span>
                  {span.error && <span class="badge error">error</span>}
                  <SpanUsage span={span} />
                </div>
                <div class="tree-bar">
                  <div
                    class={critical.has(span.spanId) ? 'bar crit' : 'bar'}
                    style={{ left: `${left}%`, width: `${width}%` }}
                  />
                  {role !== 'rating' && (
                    <BarLabel left={left} width={width} text={fmt.duration(span.durationMs)} />
                  )}
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}

/**
 * A bar's duration: inside the bar when the bar is wide enough to hold it (white on the bar's colour),
 * else after the bar, or before it when the bar ends near the right edge — never white on the page.
 */
function BarLabel({ left, width, text }: { left: number; width: number; text: string }) {
  if (width >= 8)
    return (
      <span class="bar-label inside" style={{ right: `${100 - left - width}%` }}>
        {text}
      </span>
    );
  if (left + width > 85)
    return (
      <span class="bar-label before" style={{ right: `${100 - left}%` }}>
        {text}
      </span>
    );
  return (
    <span class="bar-label" style={{ left: `${left + width}%` }}>
      {text}
    </span>
  );
}

/** A model call's tokens and cost on its row; an aggregate's are its calls' sum, marked Σ (not added). */
function SpanUsage({ span }: { span: Span }) {
  const u = span.genAi?.usage;
  if (!u || (u.inputTokens === 0 && u.outputTokens === 0)) return null;
  const cost = span.costUsd === null ? (span.costUnknown ? 'price unknown' : '') : fmt.usd(span.costUsd);
  const text = `${fmt.tokens(u.inputTokens)} / ${fmt.tokens(u.outputTokens)}${cost ? ` · ${cost}` : ''}`;
  return span.usageRollup ? (
    <span class="span-usage rollup" title="sum of the calls below, not added again">
      Σ {text}
    </span>
  ) : (
    <span class="span-usage" title={`tokens in / out${cost ? ' · cost' : ''}`}>
      {text}
    </span>
  );
}
