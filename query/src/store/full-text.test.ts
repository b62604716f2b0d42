import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, fill, type ServedRuns, servedRuns } from '../testing/agent-runs.ts';
import { FULL_TEXT_MIGRATIONS, ftsQuery, highlighted } from './full-text.ts';
import { FULL_TEXT_VERSION, MIGRATIONS } from './migrations.ts';
import { openEmbeddedStore } from './sqlite-store.ts';

describe('ftsQuery', () => {
  it.each([
    ['refund kettle', '"refund" "kettle"'],
    ['"broken kettle" refund', '"broken kettle" "refund"'],
    ['kett*', '"kett"*'],
    ['NOT OR AND NEAR(a b)', '"NOT" "OR" "AND" "NEAR(a" "b)"'],
    ['say "hi', '"say" "hi"'],
    ['*** --', undefined],
    ['', undefined],
  ])('%j → %j', (text, q) => expect(ftsQuery(text)).toBe(q));

  it('keeps at most 16 terms', () => {
    expect(ftsQuery(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '))?.split(' ')).toHaveLength(16);
  });
});

it('highlighted() turns snippet markers into offsets', () => {
  expect(highlighted('a \u0002kettle\u0003 and a \u0002Kettle\u0003.')).toEqual({
    text: 'a kettle and a Kettle.',
    highlights: [
      [2, 8],
      [15, 21],
    ],
  });
});

describe('full-text search through the API', () => {
  let runs: ServedRuns;
  let base: string;
  let ids: string[];
  let dir: string;
  const QUESTIONS = ['Refund for a broken kettle', 'Où est ma commande ?', 'Is the CAFÉ open on Sunday?'];
  const search = async (q: string) => {
    const res = await fetch(`${base}/api/v1/traces?q=${encodeURIComponent(q)}`, { headers: auth });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: string } };
  };

  beforeAll(async () => {
    runs = await servedRuns(3, (i) => ({ question: QUESTIONS[i] as string }));
    ({ base, ids, dir } = runs);
  });
  afterAll(() => runs.close());

  it('finds traces by what was said, and shows where', async () => {
    const { body } = await search('broken kettle');
    const traces = body.traces as {
      traceId: string;
      match?: { text: string; highlights: [number, number][] };
    }[];
    expect(traces.map((t) => t.traceId)).toEqual([ids[0]]);
    const m = traces[0]?.match as { text: string; highlights: [number, number][] };
    expect(m.highlights.map(([a, b]) => m.text.slice(a, b).toLowerCase())).toEqual(['broken', 'kettle']);
  });

  it('folds case and accents, takes prefixes and phrases, and finds answers and names too', async () => {
    expect(((await search('cafe')).body.traces as unknown[]).length).toBe(1);
    expect(((await search('commande')).body.traces as unknown[]).length).toBe(1);
    expect(((await search('kett*')).body.traces as unknown[]).length).toBe(1);
    expect(((await search('"kettle broken"')).body.traces as unknown[]).length).toBe(0);
    expect(((await search('"answer 2"')).body.traces as { traceId: string }[])[0]?.traceId).toBe(ids[2]);
    expect(((await search('invoke_agent')).body.traces as unknown[]).length).toBe(3);
    // Message bookkeeping (roles, part types) is not text anyone said.
    expect(((await search('assistant')).body.traces as unknown[]).length).toBe(0);
  });

  it('refuses a search with nothing to search for, and an overlong one', async () => {
    expect(await search('***')).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^q: nothing/) },
    });
    expect(await search('x'.repeat(501))).toMatchObject({
      status: 400,
      body: { error: 'q: at most 500 characters, got 501' },
    });
  });

  it('forgets expired traces', async () => {
    const other = openEmbeddedStore(join(dir, 'expiring.db'));
    await fill(other, 1, () => ({ question: 'ephemeral words', startMs: Date.now() - 86_400_000 }));
    const q = ftsQuery('ephemeral') as string;
    const db = new DatabaseSync(join(dir, 'expiring.db'));
    const count = () =>
      (db.prepare('SELECT count(*) AS n FROM span_text WHERE span_text MATCH ?').get(q) as { n: number }).n;
    expect(count()).toBe(1);
    expect(other.deleteOlderThan(BigInt(Date.now() - 3_600_000) * 1_000_000n)).toBe(1);
    expect(count()).toBe(0);
    db.close();
    await other.close();
  });

  it('FULL_TEXT_VERSION is the version the full-text migrations end at', () => {
    const at = MIGRATIONS.indexOf(FULL_TEXT_MIGRATIONS[0] as string);
    expect(at + FULL_TEXT_MIGRATIONS.length).toBe(FULL_TEXT_VERSION);
  });

  it('indexes spans stored before the index existed', async () => {
    const path = join(dir, 'old.db');
    const old = openEmbeddedStore(path);
    await fill(old, 2, (i) => ({ question: i ? 'teapot' : 'kettle' }));
    await old.close();
    // Back to the version before full-text search: no index, as a store written by an older release.
    const db = new DatabaseSync(path);
    db.exec('DROP TABLE span_text; DROP TABLE span_docs;');
    // And without what later versions added (v21's ledger index, v22's previews, v26's excess, v31's
    // dashboard indexes).
    db.exec(`DROP INDEX spans_ledgers; DROP INDEX spans_carriers; DROP INDEX spans_ratings;
      ALTER TABLE traces DROP COLUMN input_preview; ALTER TABLE traces DROP COLUMN input_at;
      ALTER TABLE traces DROP COLUMN output_preview; ALTER TABLE traces DROP COLUMN output_at;
      ALTER TABLE spans DROP COLUMN excess_input_tokens; ALTER TABLE spans DROP COLUMN excess_output_tokens;
      ALTER TABLE spans DROP COLUMN excess_cache_read_tokens;
      ALTER TABLE spans DROP COLUMN excess_cache_creation_tokens;
      ALTER TABLE spans DROP COLUMN excess_reasoning_tokens;`);
    db.exec(`PRAGMA user_version = ${FULL_TEXT_VERSION - FULL_TEXT_MIGRATIONS.length}`);
    db.close();
    const reopened = openEmbeddedStore(path);
    const found = reopened.search('team-a', { limit: 10, text: 'teapot' });
    expect(found.rows).toHaveLength(1);
    await reopened.close();
  });
});
