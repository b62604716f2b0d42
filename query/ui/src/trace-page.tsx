// One trace: its totals, the span tree with a timing waterfall, and the panel of the selected span.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Trace } from './api.ts';
import * as fmt from './format.ts';
import { linkClick, navigate, withParams } from './router.ts';
import { SpanPanel } from './span-panel.tsx';
import { ancestors, buildTree, initiallyCollapsed } from './span-tree.ts';
import { SpanTreeView } from './span-tree-view.tsx';
import { ErrorState, Loading } from './states.tsx';
import { useApi } from './use-api.ts';

export function TracePage({ url, traceId }: { url: URL; traceId: string }) {
  const result = useApi(traceId, () => api.trace(traceId));
  if (result.error) return <ErrorState error={result.error} retry={result.reload} />;
  if (!result.data) return <Loading what="the trace" />;
  // Keyed by trace: another trace starts with its own tree state; a reload (after rating) keeps it.
  return <TraceView key={result.data.traceId} url={url} trace={result.data} reload={result.reload} />;
}

function TraceView({ url, trace, reload }: { url: URL; trace: Trace; reload: () => void }) {
  const tree = useMemo(() => buildTree(trace.spans), [trace]);
  const [collapsed, setCollapsed] = useState(() => initiallyCollapsed(tree));
  const selectedId = url.searchParams.get('span');
  const selected = selectedId ? tree.byId.get(selectedId) : undefined;
  // A span linked to directly (or chosen elsewhere) is revealed in the tree.
  useEffect(() => {
    if (!selectedId) return;
    const hidden = ancestors(tree, selectedId).filter((id) => collapsed.has(id));
    if (hidden.length) setCollapsed((c) => new Set([...c].filter((id) => !hidden.includes(id))));
  }, [selectedId, tree]);
  const select = (spanId: string | null) => navigate(withParams(url, { span: spanId }), { replace: true });
  const t = trace.totals;
  return (
    <main class="trace-page">
      <header class="trace-head">
        <a href="/" onClick={(e) => linkClick(e, '/')} class="back">
          ← Traces
        </a>
        <h1>{trace.rootName ?? '(root span not received)'}</h1>
        <dl class="totals">
          <Stat label="Service" value={trace.rootService ?? '—'} />
          <Stat label="Duration" value={fmt.duration(trace.durationMs)} />
          <Stat label="Spans" value={String(trace.spanCount)} />
          <Stat label="LLM / tool calls" value={`${t.llmCalls} / ${t.toolCalls}`} />
          <Stat
            label="Tokens in / out"
            value={`${fmt.tokens(t.inputTokens)} / ${fmt.tokens(t.outputTokens)}`}
          />
          <Stat
            label="Cache read / write"
            value={`${fmt.tokens(t.cacheReadTokens)} / ${fmt.tokens(t.cacheCreationTokens)}`}
          />
          <Stat label="Reasoning" value={fmt.tokens(t.reasoningTokens)} />
          <Stat label="Cost" value={fmt.cost(t)} title={fmt.costWhy(t)} />
          <Stat label="Errors" value={String(t.errors)} error={t.errors > 0} />
          <Stat
            label="Rating"
            value={trace.ratings.length ? fmt.ratings(trace.ratings.map((r) => r.score)) : '—'}
          />
        </dl>
        <p class="trace-id">
          Trace <code>{trace.traceId}</code> · started {fmt.time(trace.startTimeUnixNano)}
        </p>
        {trace.partial && (
          <p class="error-box" role="alert">
            Only part of this trace was returned by storage, so spans and totals are incomplete:{' '}
            {trace.partialReason ?? 'partial trace'}
          </p>
        )}
      </header>
      <div class={selected ? 'trace-body with-panel' : 'trace-body'}>
        <SpanTreeView
          tree={tree}
          trace={trace}
          collapsed={collapsed}
          setCollapsed={setCollapsed}
          selectedId={selected?.spanId ?? null}
          select={select}
        />
        {selected && <SpanPanel trace={trace} span={selected} close={() => select(null)} reload={reload} />}
      </div>
    </main>
  );
}

const Stat = ({
  label,
  value,
  error,
  title,
}: {
  label: string;
  value: string;
  error?: boolean;
  title?: string | undefined;
}) => (
  <div class={error ? 'stat error' : 'stat'} title={title}>
    <dt>{label}</dt>
    <dd>{value}</dd>
  </div>
);
