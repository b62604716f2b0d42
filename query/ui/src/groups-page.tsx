// Traces grouped by session (gen_ai.conversation.id) or by end user (user.id / enduser.id): each
// group's traces, time, tokens, cost, errors and rating. A session opens as its conversation
// (session-page.tsx); a user opens as the trace table filtered to that user.
import type { ComponentChildren } from 'preact';
import * as fmt from './format.ts';
import { type GroupRow, groupsApi } from './groups-api.ts';
import { RangePicker, rangeQuery } from './range.tsx';
import { linkClick, withParams } from './router.ts';
import { ErrorState, Loading } from './states.tsx';
import { useApi } from './use-api.ts';

const DEFAULT_RANGE = '7d';

interface Kind {
  what: 'sessions' | 'users';
  title: string;
  /** Column heads: the group's name, and what its traces are called. */
  name: string;
  traces: string;
  empty: ComponentChildren;
  /** Where a group opens. */
  href: (key: string, url: URL) => string;
}

const SESSIONS: Kind = {
  what: 'sessions',
  title: 'Sessions',
  name: 'Session',
  traces: 'Turns',
  empty: (
    <p>
      Spans that carry <code>gen_ai.conversation.id</code> are grouped here, one session per conversation.
    </p>
  ),
  href: (key, url) => withParams(url, { cursor: null }, `/sessions/${encodeURIComponent(key)}`),
};

const USERS: Kind = {
  what: 'users',
  title: 'Users',
  name: 'User',
  traces: 'Traces',
  empty: (
    <p>
      Spans that carry <code>user.id</code> or <code>enduser.id</code> (on the span or its resource) are
      grouped here, one row per end user of your application.
    </p>
  ),
  href: (key, url) =>
    `/?${new URLSearchParams({ userId: key, range: url.searchParams.get('range') ?? DEFAULT_RANGE })}`,
};

function pageQuery(url: URL) {
  const q = rangeQuery(url, {}, DEFAULT_RANGE);
  const cursor = url.searchParams.get('cursor');
  if (cursor) q.set('cursor', cursor);
  return q;
}

/** The dashboard by end user, over the same range: each user's calls, cost and ratings per bucket. */
function OverTime({ url }: { url: URL }) {
  const to = `/dashboard?${new URLSearchParams({ by: 'user', range: url.searchParams.get('range') ?? DEFAULT_RANGE })}`;
  return (
    <a href={to} onClick={(e) => linkClick(e, to)}>
      Per user over time
    </a>
  );
}

export const SessionsPage = ({ url }: { url: URL }) => <GroupsPage url={url} kind={SESSIONS} />;
export const UsersPage = ({ url }: { url: URL }) => <GroupsPage url={url} kind={USERS} />;

function GroupsPage({ url, kind }: { url: URL; kind: Kind }) {
  const result = useApi(`${kind.what} ${url.search}`, () => groupsApi.list(kind.what, pageQuery(url)));
  return (
    <main class={`${kind.what}-page`}>
      <header class="page-head">
        <h1>{kind.title}</h1>
        {kind.what === 'users' && <OverTime url={url} />}
        <RangePicker url={url} byDefault={DEFAULT_RANGE} reset={['cursor']} />
      </header>
      {result.error ? (
        <ErrorState error={result.error} retry={result.reload} />
      ) : !result.data ? (
        <Loading what={kind.what} />
      ) : result.data.groups.length === 0 ? (
        <div class="state empty">
          <p>No {kind.what} in this time range.</p>
          {kind.empty}
        </div>
      ) : (
        <>
          <GroupTable url={url} kind={kind} groups={result.data.groups} />
          {result.data.next && (
            <div class="pager">
              <a
                href={withParams(url, { cursor: result.data.next })}
                onClick={(e) => linkClick(e, withParams(url, { cursor: result.data?.next ?? null }))}
              >
                Older {kind.what} →
              </a>
            </div>
          )}
        </>
      )}
    </main>
  );
}

function GroupTable({ url, kind, groups }: { url: URL; kind: Kind; groups: GroupRow[] }) {
  const heads = [
    kind.name,
    kind.traces,
    'Last activity',
    'Duration',
    'Tokens in / out',
    'Cost',
    'Errors',
    'Rating',
  ];
  return (
    <table class="groups">
      <thead>
        <tr>
          {heads.map((h, i) => (
            <th scope="col" class={i === 0 || i === 2 ? undefined : 'num'}>
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {groups.map((g) => {
          const to = kind.href(g.key, url);
          return (
            <tr class={g.errors ? 'error' : undefined}>
              <td class="name">
                <a href={to} onClick={(e) => linkClick(e, to)}>
                  {g.key}
                </a>
              </td>
              <td class="num">{g.traces}</td>
              <td>{fmt.time(g.lastTimeUnixNano)}</td>
              <td class="num">{fmt.duration(g.durationMs)}</td>
              <td class="num">
                {fmt.tokens(g.tokens.input)} / {fmt.tokens(g.tokens.output)}
              </td>
              <td class="num" title={fmt.costWhy(g)}>
                {fmt.cost(g)}
              </td>
              <td class="num">{g.errors || '—'}</td>
              <td class="num">{fmt.rating(g.rating)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
