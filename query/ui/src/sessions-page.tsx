// Sessions: conversations (gen_ai.conversation.id) with their turns, tokens, cost, errors and ratings,
// and one session read as the conversation it was — each turn's question and answer, in order.
import * as fmt from './format.ts';
import { linkClick, navigate, withParams } from './router.ts';
import { type SessionRow, sessionsApi, type Turn } from './sessions-api.ts';
import { Messages } from './span-panel.tsx';
import { ErrorState, Loading } from './states.tsx';
import { RANGES } from './traces-page.tsx';
import { useApi } from './use-api.ts';

const DEFAULT_RANGE = '7d';

function rangeQuery(url: URL) {
  const window = RANGES[url.searchParams.get('range') ?? DEFAULT_RANGE] ?? 30 * 24 * 3600_000;
  const q = new URLSearchParams({ start: String(Date.now() - window) });
  const cursor = url.searchParams.get('cursor');
  if (cursor) q.set('cursor', cursor);
  return q;
}

export function SessionsPage({ url }: { url: URL }) {
  const range = url.searchParams.get('range') ?? DEFAULT_RANGE;
  const result = useApi(`sessions ${url.search}`, () => sessionsApi.list(rangeQuery(url)));
  return (
    <main class="sessions-page">
      <header class="page-head">
        <h1>Sessions</h1>
        <label class="range">
          Time{' '}
          <select
            value={range}
            onChange={(e) => navigate(withParams(url, { range: e.currentTarget.value, cursor: null }))}
          >
            {Object.keys(RANGES)
              .filter((r) => r !== 'all')
              .map((r) => (
                <option value={r}>Last {r}</option>
              ))}
          </select>
        </label>
      </header>
      {result.error ? (
        <ErrorState error={result.error} retry={result.reload} />
      ) : !result.data ? (
        <Loading what="sessions" />
      ) : result.data.sessions.length === 0 ? (
        <div class="state empty">
          <p>No sessions in this time range.</p>
          <p>
            Spans that carry <code>gen_ai.conversation.id</code> are grouped here, one session per
            conversation.
          </p>
        </div>
      ) : (
        <>
          <SessionTable url={url} sessions={result.data.sessions} />
          {result.data.next && (
            <div class="pager">
              <a
                href={withParams(url, { cursor: result.data.next })}
                onClick={(e) => linkClick(e, withParams(url, { cursor: result.data?.next ?? null }))}
              >
                Older sessions →
              </a>
            </div>
          )}
        </>
      )}
    </main>
  );
}

function SessionTable({ url, sessions }: { url: URL; sessions: SessionRow[] }) {
  return (
    <table class="sessions">
      <thead>
        <tr>
          <th scope="col">Session</th>
          <th scope="col" class="num">
            Turns
          </th>
          <th scope="col">Last activity</th>
          <th scope="col" class="num">
            Duration
          </th>
          <th scope="col" class="num">
            Tokens in / out
          </th>
          <th scope="col" class="num">
            Cost
          </th>
          <th scope="col" class="num">
            Errors
          </th>
          <th scope="col" class="num">
            Rating
          </th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => {
          const to = withParams(url, { cursor: null }, `/sessions/${encodeURIComponent(s.conversationId)}`);
          return (
            <tr class={s.errorTurns ? 'error' : undefined}>
              <td class="name">
                <a href={to} onClick={(e) => linkClick(e, to)}>
                  {s.conversationId}
                </a>
              </td>
              <td class="num">{s.turns}</td>
              <td>{fmt.time(s.lastTimeUnixNano)}</td>
              <td class="num">{fmt.duration(s.durationMs)}</td>
              <td class="num">
                {fmt.tokens(s.tokens.input)} / {fmt.tokens(s.tokens.output)}
              </td>
              <td class="num" title={fmt.costWhy(s)}>
                {fmt.cost(s)}
              </td>
              <td class="num">{s.errorTurns || '—'}</td>
              <td class="num">{fmt.rating(s.rating)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function SessionPage({ url, conversationId }: { url: URL; conversationId: string }) {
  const cursor = url.searchParams.get('cursor');
  const result = useApi(`session ${conversationId} ${cursor ?? ''}`, () =>
    sessionsApi.session(conversationId, new URLSearchParams(cursor ? { cursor } : {})),
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
