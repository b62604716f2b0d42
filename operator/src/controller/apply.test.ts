import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { applyAndPrune, holds, listedKind, type ManagedKind, objectKey } from './apply.ts';

const cm = (name: string, data: Record<string, string>, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', labels },
  data,
});

/** An API server of one namespace's objects, recording each write. */
function apiServer(initial: KubernetesObject[]) {
  const objects = new Map(initial.map((o) => [objectKey(o), o]));
  const calls: string[] = [];
  return {
    calls,
    objects,
    kube: {
      async apply<T extends KubernetesObject>(o: T) {
        if (o.metadata?.name === 'refused') throw new Error('422 too large');
        calls.push(`apply ${o.metadata?.name}`);
        objects.set(objectKey(o), o);
        return o;
      },
      async delete(o: KubernetesObject) {
        calls.push(`delete ${o.metadata?.name}`);
        objects.delete(objectKey(o));
      },
    },
  };
}

describe('holds', () => {
  it('ignores what the API server adds, not what we set', () => {
    expect(holds({ a: 1, b: { c: [1, 2], d: 'x' } }, { b: { c: [1, 2] } })).toBe(true);
    expect(holds({ a: 1 }, { a: 2 })).toBe(false);
    expect(holds({ c: [1, 2, 3] }, { c: [1, 2] })).toBe(false);
    expect(holds(undefined, { a: 1 })).toBe(false);
  });
});

describe('applyAndPrune', () => {
  it('applies only what differs, prunes what is ours and no longer wanted, and nothing twice', async () => {
    const api = apiServer([
      cm('same', { k: 'v' }, { extra: 'by someone else' }),
      cm('changed', { k: 'old' }),
      cm('stale', { k: 'v' }),
      cm('kept', { k: 'v' }),
    ]);
    const kinds: ManagedKind[] = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        // Listed objects come without apiVersion and kind.
        present: () =>
          [...api.objects.values()].map(({ apiVersion: _a, kind: _k, ...o }) => o as KubernetesObject),
        prunable: (o) => o.metadata?.name !== 'kept',
      },
    ];
    const desired = [cm('same', { k: 'v' }), cm('changed', { k: 'new' }), cm('added', { k: 'v' })];
    const first = await applyAndPrune({ desired, kinds, kube: api.kube, limit: 4 });
    expect(api.calls.sort()).toEqual(['apply added', 'apply changed', 'delete stale']);
    expect(first.writes).toBe(3);
    expect(first.failed.size).toBe(0);
    api.calls.length = 0;
    const again = await applyAndPrune({ desired, kinds, kube: api.kube, limit: 4 });
    expect(api.calls).toEqual([]);
    expect(again.writes).toBe(0);
  });

  it('reports a refused object and still writes the others; an unlisted kind prunes nothing', async () => {
    const api = apiServer([cm('stale', { k: 'v' })]);
    const broken: ManagedKind = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      present: () => Promise.reject(new Error('403 list')),
    };
    const r = await applyAndPrune({
      desired: [cm('refused', { k: 'v' }), cm('fine', { k: 'v' })],
      kinds: [broken],
      kube: api.kube,
      limit: 1,
    });
    expect(api.calls).toEqual(['apply fine']);
    expect([...r.failed.keys()].sort()).toEqual(['v1/ConfigMap/*', 'v1/ConfigMap/ns/refused']);
  });

  it('keeps a listing for its time, updated by our own writes', async () => {
    const api = apiServer([cm('a', { k: 'v' })]);
    let lists = 0;
    let now = 0;
    const kind = listedKind(
      { apiVersion: 'v1', kind: 'ConfigMap' },
      async () => {
        lists++;
        return [...api.objects.values()];
      },
      1000,
      () => now,
    );
    const desired = [cm('a', { k: 'v2' })];
    await applyAndPrune({ desired, kinds: [kind], kube: api.kube, limit: 1 });
    await applyAndPrune({ desired, kinds: [kind], kube: api.kube, limit: 1 });
    expect(lists).toBe(1);
    expect(api.calls).toEqual(['apply a']);
    now = 1000;
    await applyAndPrune({ desired, kinds: [kind], kube: api.kube, limit: 1 });
    expect(lists).toBe(2);
  });
});
