import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunOptions, type ServedRuns, servedRuns } from '../testing/agent-runs.ts';

const T0 = Date.now() - 3_600_000;
// Runs 0–2: ada (user.id on the span); 3–4: bob (enduser.id on the resource), later; 5: nobody.
const USERS: RunOptions['user'][] = [
  { key: 'user.id', value: 'ada', on: 'span' },
  { key: 'user.id', value: 'ada', on: 'span' },
  { key: 'user.id', value: 'ada', on: 'span' },
  { key: 'enduser.id', value: 'bob', on: 'resource' },
  { key: 'enduser.id', value: 'bob', on: 'resource' },
  undefined,
];

describe('users', () => {
  let runs: ServedRuns;
  let ids: string[];
  const get = (path: string) => runs.get(path);

  beforeAll(async () => {
    runs = await servedRuns(6, (i) => ({ startMs: T0 + i * 1000, ...(USERS[i] ? { user: USERS[i] } : {}) }));
    ({ ids } = runs);
  });
  afterAll(() => runs.close());

  it('lists users by latest activity with their traces, tokens, cost, errors and rating', async () => {
    const { status, body } = await get('/api/v1/users');
    expect(status).toBe(200);
    const users = body.users as Record<string, unknown>[];
    expect(users.map((u) => u.userId)).toEqual(['bob', 'ada']);
    // Runs 0–2: input 1000+i, output 200 each; run 0 fails (every fifth); each rated 0.75.
    expect(users[1]).toMatchObject({
      traces: 3,
      tokens: { input: 3003, output: 600 },
      costPartial: false,
      errorTraces: 1,
      rating: { average: 0.75, count: 3 },
    });
    expect(users[1]?.costUsd).toBeCloseTo((3003 * 2.5 + 600 * 10) / 1e6, 10);
    expect(users[0]).toMatchObject({ traces: 2, errorTraces: 0, tokens: { input: 2007 } });
  });

  it('filters traces by user, whichever attribute and wherever it was set', async () => {
    for (const [user, expected] of [
      ['ada', ids.slice(0, 3)],
      ['bob', ids.slice(3, 5)],
    ] as const) {
      const { body } = await get(`/api/v1/traces?userId=${user}`);
      expect((body.traces as { traceId: string }[]).map((t) => t.traceId).sort()).toEqual(
        [...expected].sort(),
      );
    }
  });

  it('pages with a cursor and counts only traces in the range', async () => {
    const first = await get('/api/v1/users?limit=1');
    expect(first.body).toMatchObject({ users: [{ userId: 'bob' }] });
    const second = await get(`/api/v1/users?limit=1&cursor=${first.body.next}`);
    expect(second.body).toMatchObject({ users: [{ userId: 'ada' }] });
    const start = new Date(T0 + 1500).toISOString();
    const ranged = await get(`/api/v1/users?start=${start}`);
    expect(ranged.body.users).toMatchObject([{ userId: 'bob' }, { userId: 'ada', traces: 1 }]);
  });

  it.each([
    ['/api/v1/users?cursor=zzz', 400, 'cursor: not a cursor from this list'],
    ['/api/v1/users?userId=ada', 400, 'unknown parameter "userId"'],
  ])('%s answers %i', async (path, status, error) => {
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(res.body.error).toContain(error);
  });
});
