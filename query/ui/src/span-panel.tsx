// The panel of the selected span. For LLM calls it is the prompt panel: system, user, assistant and
// tool messages with tool calls and results, the completion, model and parameters, token usage, cost,
// prompt id and version, ratings, and a control to rate the span. Other spans show their tool call
// (for tools), the usage they sum from the calls below them (agent and chain spans: not added again),
// attributes, events, resource and links.
import { useEffect, useState } from 'preact/hooks';
import { api, type Message, type Part, type Span, type Trace } from './api.ts';
import * as fmt from './format.ts';
import { linkClick } from './router.ts';
import { spanRole } from './span-tree.ts';

interface Props {
  trace: Trace;
  span: Span;
  close: () => void;
  reload: () => void;
}

export function SpanPanel({ trace, span, close, reload }: Props) {
  const role = spanRole(span);
  const g = span.genAi;
  const ratings = trace.ratings.filter((r) => r.ratedSpanId === span.spanId);
  return (
    <aside class="span-panel" aria-label={role === 'llm' ? 'Prompt panel' : 'Span details'}>
      <header>
        <h2>{span.name}</h2>
        <button type="button" class="close" onClick={close} aria-label="Close panel (Escape)">
          ✕
        </button>
      </header>
      <p class="meta">
        {role && <i class={`role ${role}`}>{role}</i>} {span.service} · {fmt.duration(span.durationMs)} ·
        starts at +{fmt.duration(span.offsetMs)}
        {span.adjustedCount > 1 && <> · sampled, stands for {span.adjustedCount} spans</>}
      </p>
      {span.error && (
        <p class="error-box" role="alert">
          Error{span.status.message ? `: ${span.status.message}` : ''}
        </p>
      )}
      {g && (role === 'llm' || role === 'retrieval') && (
        <>
          <section class="facts">
            <Fact
              label="Model"
              value={
                g.responseModel && g.responseModel !== g.requestModel
                  ? `${g.requestModel ?? '?'} → ${g.responseModel}`
                  : (g.requestModel ?? g.responseModel ?? '—')
              }
            />
            <Fact label="Provider" value={g.provider ?? '—'} />
            <Fact label="Operation" value={g.operation ?? '—'} />
            {Object.entries(g.parameters).map(([k, v]) => (
              <Fact label={k} value={typeof v === 'string' ? v : JSON.stringify(v)} />
            ))}
            <Fact label="Input tokens" value={String(g.usage.inputTokens)} />
            <Fact label="Output tokens" value={String(g.usage.outputTokens)} />
            <Fact label="Cache read" value={String(g.usage.cacheReadTokens)} />
            <Fact label="Cache write" value={String(g.usage.cacheCreationTokens)} />
            <Fact label="Reasoning" value={String(g.usage.reasoningTokens)} />
            <Fact
              label="Cost"
              value={
                span.costUnknown
                  ? span.costUnknown
                  : span.usageRollup
                    ? `${fmt.usd(span.costUsd)} (sum of the calls below, not added again)`
                    : fmt.usd(span.costUsd)
              }
            />
            {g.finishReasons && <Fact label="Finish" value={g.finishReasons.join(', ')} />}
            {g.promptId && (
              <div class="fact">
                <dt>Prompt</dt>
                <dd>
                  <a
                    href={`/prompts/${encodeURIComponent(g.promptId)}`}
                    onClick={(e) => linkClick(e, `/prompts/${encodeURIComponent(g.promptId as string)}`)}
                  >
                    {g.promptId} {g.promptVersion ?? ''}
                  </a>
                </dd>
              </div>
            )}
            {g.conversationId && <Fact label="Conversation" value={g.conversationId} />}
          </section>
          {g.systemInstructions !== undefined && (
            <section class="messages">
              <h3>System</h3>
              <Parts parts={asParts(g.systemInstructions)} speaker="system" />
            </section>
          )}
          <section class="messages">
            <h3>Input messages</h3>
            <Messages
              value={g.inputMessages}
              empty="Not captured (content capture is off for this tenant, or the SDK did not send it)."
            />
          </section>
          <section class="messages">
            <h3>Completion</h3>
            <Messages value={g.outputMessages} empty="Not captured." />
          </section>
        </>
      )}
      {g && role === 'tool' && (
        <section class="messages">
          <h3>Tool {g.toolName ?? ''}</h3>
          <h4>Arguments</h4>
          <Json value={g.toolCallArguments} />
          <h4>Result</h4>
          <Json value={g.toolCallResult} />
        </section>
      )}
      {g && span.usageRollup && role !== 'llm' && role !== 'retrieval' && (
        // An agent or chain span whose usage sums its model calls': shown, never added to the totals.
        <section class="facts" aria-label="Usage of the calls below">
          <Fact label="Input tokens" value={String(g.usage.inputTokens)} />
          <Fact label="Output tokens" value={String(g.usage.outputTokens)} />
          <Fact label="Cache read" value={String(g.usage.cacheReadTokens)} />
          <Fact
            label="Cost"
            value={span.costUnknown ?? `${fmt.usd(span.costUsd)} (sum of the calls below, not added again)`}
          />
        </section>
      )}
      {role !== 'rating' && <Ratings trace={trace} span={span} ratings={ratings} reload={reload} />}
      <details open={!g}>
        <summary>Attributes ({Object.keys(span.attributes).length})</summary>
        <KeyValues values={span.attributes} />
      </details>
      {span.events.length > 0 && (
        <details>
          <summary>Events ({span.events.length})</summary>
          {span.events.map((e) => (
            <div class="event">
              <strong>{e.name}</strong>
              <KeyValues values={e.attributes} />
            </div>
          ))}
        </details>
      )}
      {span.links.length > 0 && (
        <details>
          <summary>Links ({span.links.length})</summary>
          {span.links.map((l) => (
            <p>
              <a
                href={`/traces/${l.traceId}?span=${l.spanId}`}
                onClick={(e) => linkClick(e, `/traces/${l.traceId}?span=${l.spanId}`)}
              >
                {l.traceId === trace.traceId ? `span ${l.spanId}` : `trace ${l.traceId}`}
              </a>
            </p>
          ))}
        </details>
      )}
      <details>
        <summary>Resource</summary>
        <KeyValues values={span.resource} />
      </details>
    </aside>
  );
}

const Fact = ({ label, value }: { label: string; value: string }) => (
  <div class="fact">
    <dt>{label}</dt>
    <dd>{value}</dd>
  </div>
);

const KeyValues = ({ values }: { values: Record<string, unknown> }) => (
  <table class="kv">
    <tbody>
      {Object.entries(values).map(([k, v]) => (
        <tr>
          <th scope="row">{k}</th>
          <td>{typeof v === 'string' ? v : JSON.stringify(v)}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

const Json = ({ value }: { value: unknown }) =>
  value === undefined ? (
    <p class="hint">Not captured.</p>
  ) : (
    <pre>{typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</pre>
  );

/** System instructions are a list of parts, or plain text from older SDKs. */
function asParts(v: unknown): Part[] {
  if (Array.isArray(v)) return v as Part[];
  return [{ type: 'text', content: typeof v === 'string' ? v : JSON.stringify(v) }];
}

/** Messages in the OTel GenAI shape (role, parts), as a conversation reads. */
export function Messages({ value, empty }: { value: unknown; empty: string }) {
  if (value === undefined || value === null) return <p class="hint">{empty}</p>;
  if (!Array.isArray(value)) return <Json value={value} />;
  return (
    <>
      {(value as Message[]).map((m) => (
        <div class={`message ${m.role ?? 'unknown'}`}>
          <div class="role-name">
            {m.role ?? 'message'}
            {m.finish_reason ? ` · ${m.finish_reason}` : ''}
          </div>
          <Parts parts={m.parts ?? []} speaker={m.role ?? ''} />
        </div>
      ))}
    </>
  );
}

function Parts({ parts, speaker }: { parts: Part[]; speaker: string }) {
  return (
    <>
      {parts.map((p) =>
        p.type === 'text' || p.type === 'reasoning' ? (
          <p class={`part ${p.type} ${speaker}`}>{String(p.content ?? '')}</p>
        ) : p.type === 'tool_call' ? (
          <div class="part tool-call">
            <span class="label">calls {p.name}</span>
            {p.id && <code>{p.id}</code>}
            <Json value={p.arguments} />
          </div>
        ) : p.type === 'tool_call_response' ? (
          <div class="part tool-result">
            <span class="label">result</span>
            {p.id && <code>{p.id}</code>}
            <Json value={p.response} />
          </div>
        ) : (
          <div class="part">
            <span class="label">{p.type}</span>
            <Json value={p.content ?? p} />
          </div>
        ),
      )}
    </>
  );
}

function Ratings({
  trace,
  span,
  ratings,
  reload,
}: {
  trace: Trace;
  span: Span;
  ratings: Trace['ratings'];
  reload: () => void;
}) {
  const [comment, setComment] = useState('');
  const [state, setState] = useState<{
    kind: 'idle' | 'saving' | 'saved' | 'error';
    message?: string;
    /** How many ratings the span had when this one was sent: one more means it is stored. */
    before?: number;
  }>({ kind: 'idle' });
  // Once the rating shows in the list, "sent" has nothing more to say.
  useEffect(() => {
    if (state.kind === 'saved' && ratings.length > (state.before ?? 0)) setState({ kind: 'idle' });
  }, [ratings.length, state]);
  const rate = async (score: number) => {
    setState({ kind: 'saving' });
    const before = ratings.length;
    try {
      await api.rate({ traceId: trace.traceId, spanId: span.spanId, score, ...(comment ? { comment } : {}) });
      setComment('');
      setState({ kind: 'saved', before });
      // The rating travels through the ingest path; the trace shows it once it is stored.
      for (const wait of [300, 600, 1200, 2400]) setTimeout(reload, wait);
    } catch (err) {
      setState({ kind: 'error', message: (err as Error).message });
    }
  };
  return (
    <section class="ratings">
      <h3>Ratings</h3>
      {ratings.length === 0 ? (
        <p class="hint">Not rated yet.</p>
      ) : (
        <ul>
          {ratings.map((r) => (
            <li class="rating">
              <strong class={r.score >= 0.5 ? 'good' : 'bad'}>
                {r.score >= 0.5 ? '✓' : '✗'} {fmt.score(r.score)}
              </strong>
              {r.comment && <> — {r.comment}</>}
              {r.source && <span class="hint"> ({r.source})</span>}
            </li>
          ))}
        </ul>
      )}
      <div class="rate">
        <input
          aria-label="Rating comment"
          placeholder="Comment (optional)"
          value={comment}
          onInput={(e) => setComment(e.currentTarget.value)}
          maxLength={4000}
        />
        <button
          type="button"
          onClick={() => rate(1)}
          disabled={state.kind === 'saving'}
          aria-label="Rate good"
        >
          ✓ Good
        </button>
        <button
          type="button"
          onClick={() => rate(0)}
          disabled={state.kind === 'saving'}
          aria-label="Rate bad"
        >
          ✗ Bad
        </button>
      </div>
      {state.kind === 'saved' && (
        <p class="hint" role="status">
          Rating sent; it appears here once stored.
        </p>
      )}
      {state.kind === 'error' && (
        <p class="error-box" role="alert">
          {state.message}
        </p>
      )}
    </section>
  );
}
