// One session read as the conversation it was: each turn's question and answer, in order, with the
// turn's figures and a link to its trace.
import * as fmt from './format.ts';
import { groupsApi, type Turn } from './groups-api.ts';
import { linkClick, withParams } from './router.ts';
import { Messages } from './span-panel.tsx';
import { ErrorState, Loading } from './states.tsx';
import { useApi } from './use-api.ts';

export function SessionPage({ url, conversationId }: { url: URL; conversationId: string }) {
  const cursor = url.searchParams.get('cursor');
  const result = useApi(`session ${conversationId} ${cursor ?? ''}`, () =>
    groupsApi.session(conversationId, new URLSearchParams(cursor ? { cursor } : {})),
  );
  return (
    <main class="session-page">
      <header class="page-head">
        <a href="/sessions" onClick={(e) => linkClick(e, '/sessions')} class="back">
          ← Sessions
        </a>
        <h1>
          Session <code>{conversationId}</code>
        </h1>
      </header>
      {result.error ? (
        <ErrorState error={result.error} retry={result.reload} />
      ) : !result.data ? (
        <Loading what="the session" />
      ) : (
        <>
          <ol class="turns">
            {result.data.turns.map((t, i) => (
              <TurnView turn={t} n={i + 1} />
            ))}
          </ol>
          {result.data.next && (
            <div class="pager">
              <a
                href={withParams(url, { cursor: result.data.next })}
                onClick={(e) => linkClick(e, withParams(url, { cursor: result.data?.next ?? null }))}
              >
                Later turns →
              </a>
            </div>
          )}
        </>
      )}
    </main>
  );
}

function TurnView({ turn, n }: { turn: Turn; n: number }) {
  const to = `/traces/${turn.traceId}`;
  return (
    <li class={`turn${turn.error ? ' error' : ''}`}>
      <div class="turn-head">
        <span class="turn-n">Turn {n}</span>
        <span>{fmt.time(turn.startTimeUnixNano)}</span>
        <span>{fmt.duration(turn.durationMs)}</span>
        <span>
          {fmt.tokens(turn.totals.inputTokens)} / {fmt.tokens(turn.totals.outputTokens)} tokens
        </span>
        <span title={fmt.costWhy(turn)}>{fmt.cost(turn)}</span>
        {turn.rating && <span>rated {fmt.rating(turn.rating)}</span>}
        {turn.error && <span class="badge error">error</span>}
        <a href={to} onClick={(e) => linkClick(e, to)}>
          Open trace
        </a>
      </div>
      <Messages value={turn.question ? [turn.question] : null} empty="No user message recorded." />
      <Messages value={turn.answer} empty="No answer recorded." />
    </li>
  );
}
