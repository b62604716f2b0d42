// Paged lists against a stand-in API server that pages as the real one does (limit/continue, one
// snapshot resourceVersion) and can expire a continue token with 410, as etcd compaction does.
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterEach, expect, it } from 'vitest';
import { listPaged } from './paged-list.ts';
import { closeStandIns, standInApi } from './stand-in-api.ts';

afterEach(closeStandIns);

const ITEMS = Array.from({ length: 7 }, (_, i) => ({
  metadata: { name: `s${i}`, namespace: 'team-a', managedFields: [{ manager: 'kubectl' }] },
}));

/** Serves ITEMS in pages; `expireAfter` pages in, a continue token is refused with 410. */
async function standIn(expireAfter = Infinity) {
  const queries: URLSearchParams[] = [];
  const kc = await standInApi((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    queries.push(q);
    const from = Number(q.get('continue') ?? 0);
    if (from && queries.filter((x) => x.get('continue')).length > expireAfter) {
      res.writeHead(410, { 'content-type': 'application/json' }).end('{"kind":"Status","code":410}');
      return;
    }
    const limit = Number(q.get('limit') ?? 0) || ITEMS.length;
    const to = Math.min(from + limit, ITEMS.length);
    const metadata = {
      resourceVersion: from ? 'later' : '42',
      ...(to < ITEMS.length ? { continue: String(to) } : {}),
    };
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ apiVersion: 'v1', kind: 'SecretList', metadata, items: ITEMS.slice(from, to) }));
  });
  return { kc, queries };
}

it('reads every page, trims each item as its page arrives, and keeps the first page resourceVersion', async () => {
  const { kc, queries } = await standIn();
  const seen: string[] = [];
  const list = await listPaged<KubernetesObject>(kc, '/api/v1/secrets', {
    labelSelector: 'trace.koder.dev/token',
    pageSize: 3,
    each: (o) => {
      seen.push(o.metadata?.name ?? '');
      o.metadata = { name: o.metadata?.name };
    },
  });
  expect(queries.map((q) => [q.get('limit'), q.get('continue'), q.get('labelSelector')])).toEqual([
    ['3', null, 'trace.koder.dev/token'],
    ['3', '3', 'trace.koder.dev/token'],
    ['3', '6', 'trace.koder.dev/token'],
  ]);
  expect(seen).toEqual(ITEMS.map((i) => i.metadata.name));
  expect(list.items.map((i) => i.metadata)).toEqual(ITEMS.map((i) => ({ name: i.metadata.name })));
  expect(list.metadata?.resourceVersion).toBe('42'); // the snapshot a watch continues from
});

it('starts over unpaged when a continue token has expired (410)', async () => {
  const { kc, queries } = await standIn(0);
  const list = await listPaged<KubernetesObject>(kc, '/api/v1/secrets', { pageSize: 3 });
  expect(queries.map((q) => [q.get('limit'), q.get('continue')])).toEqual([
    ['3', null],
    ['3', '3'], // refused: 410 Gone
    [null, null], // one unpaged list
  ]);
  expect(list.items).toHaveLength(ITEMS.length);
  expect(list.metadata?.resourceVersion).toBe('42');
});
