import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedBackend } from '../backend/backend.ts';
import type { EmbeddedStore } from '../store/sqlite-store.ts';
import { auth, type ServedRuns, serve, servedRuns } from '../testing/agent-runs.ts';

const T0 = Date.now() - 3_600_000;
// Runs 0–3: session alpha, a second apart; 4–5: beta, later; 6: gamma, latest.
const SESSION = ['alpha', 'alpha', 'alpha', 'alpha', 'beta', 'beta', 'gamma'];
const START = [0, 1, 2, 3, 10, 11, 20].map((s) => T0 + s * 1000);

describe('sessions', () => {
  let runs: ServedRuns;
  let ids: string[];
  let store: EmbeddedStore;
  const get = (path: string) => runs.get(path);

  beforeAll(async () => {
    runs = await servedRuns(7, (i) => ({
      conversationId: SESSION[i] as string,
      startMs: START[i] as number,
      question: `turn ${i} of ${SESSION[i]}`,
    }));
    ({ ids, store } = runs);
  });
  afterAll(() => runs.close());

  it('lists sessions by latest activity with their turns, tokens, cost, errors and rating', async () => {
    const { status, body } = await get('/api/v1/sessions');
    expect(status).toBe(200);
    const sessions = body.sessions as Record<string, unknown>[];
    expect(sessions.map((s) => s.conversationId)).toEqual(['gamma', 'beta', 'alpha']);
    const alpha = sessions[2] as Record<string, unknown>;
    // Runs 0–3: input 1000+i, output 200 each; run 0 fails (every fifth); each call rated 0.75.
    expect(alpha).toMatchObject({
      turns: 4,
      firstTimeUnixNano: String(BigInt(START[0] as number) * 1_000_000n),
      tokens: { input: 4006, output: 800, cacheRead: 0, cacheCreation: 0, reasoning: 0 },
      costPartial: false,
      costUnknown: [],
      errorTurns: 1,
      rating: { average: 0.75, count: 4 },
    });
    // gpt-4o at $2.50 / $10 per million input / output tokens.
    expect(alpha.costUsd).toBeCloseTo((4006 * 2.5 + 800 * 10) / 1e6, 10);
    expect(sessions[1]).toMatchObject({ turns: 2, errorTurns: 1, tokens: { input: 2009 } });
  });

  it('pages with a cursor', async () => {
    const first = await get('/api/v1/sessions?limit=2');
    expect((first.body.sessions as { conversationId: string }[]).map((s) => s.conversationId)).toEqual([
      'gamma',
      'beta',
    ]);
    const second = await get(`/api/v1/sessions?limit=2&cursor=${first.body.next}`);
    expect(second.body).toMatchObject({ sessions: [{ conversationId: 'alpha' }] });
    expect(second.body.next).toBeUndefined();
  });

  it('counts a session in a range when any of its turns is', async () => {
    const start = new Date((START[5] as number) - 100).toISOString();
    const end = new Date((START[5] as number) + 100).toISOString();
    const { body } = await get(`/api/v1/sessions?start=${start}&end=${end}`);
    expect(body.sessions).toMatchObject([{ conversationId: 'beta', turns: 2 }]);
  });

  it('opens a session as its turns in order, each with its question and answer', async () => {
    const { status, body } = await get('/api/v1/sessions/alpha');
    expect(status).toBe(200);
    const turns = body.turns as Record<string, unknown>[];
    expect(turns.map((t) => t.traceId)).toEqual(ids.slice(0, 4));
    expect(turns[2]).toMatchObject({
      rootName: 'invoke_agent support',
      error: false,
      question: { role: 'user', parts: [{ type: 'text', content: 'turn 2 of alpha' }] },
      answer: [{ role: 'assistant', parts: [{ type: 'text', content: 'answer 2' }] }],
      rating: { average: 0.75, count: 1 },
      totals: { inputTokens: 1002, outputTokens: 200, llmCalls: 1 },
    });
    expect(turns[0]?.error).toBe(true);
    // A page is the latest turns, in order; the next page goes back in time.
    const paged = await get('/api/v1/sessions/alpha?limit=3');
    expect((paged.body.turns as { traceId: string }[]).map((t) => t.traceId)).toEqual(ids.slice(1, 4));
    const rest = await get(
      `/api/v1/sessions/alpha?limit=3&cursor=${encodeURIComponent(paged.body.next as string)}`,
    );
    expect((rest.body.turns as { traceId: string }[]).map((t) => t.traceId)).toEqual([ids[0]]);
  });

  it.each([
    ['/api/v1/sessions/nobody', 404, 'no session "nobody" for this tenant'],
    ['/api/v1/sessions?cursor=zzz', 400, 'cursor: not a cursor from this list'],
    ['/api/v1/sessions?limit=501', 400, 'limit: expected 1 to 500'],
    ['/api/v1/sessions?model=x', 400, 'unknown parameter "model"'],
    ['/api/v1/sessions/alpha?start=1', 400, 'unknown parameter "start"'],
  ])('%s answers %i', async (path, status, error) => {
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(res.body.error).toContain(error);
  });

  it('says why a backend that cannot group by conversation has no list, and still opens a session', async () => {
    const { sessions: _none, ...tempoLike } = embeddedBackend(store);
    const other = await serve(tempoLike);
    try {
      const list = await fetch(`${other.base}/api/v1/sessions`, { headers: auth });
      expect(list.status).toBe(501);
      expect(((await list.json()) as { error: string }).error).toMatch(/Tempo search cannot do/);
      expect((await fetch(`${other.base}/api/v1/sessions/beta`, { headers: auth })).status).toBe(200);
    } finally {
      other.server.closeAllConnections();
      other.server.close();
    }
  });
});
