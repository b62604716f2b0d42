// One server-side-apply-and-prune loop for every kind the operator manages (as tempo-operator's
// generic reconcile of managed objects): each desired object is applied under our field manager when
// what the API server holds does not already carry it, and each object of a managed kind that carries
// our label but is no longer desired is deleted — when its kind allows (ownership: e.g. a tenant's
// token Secret goes only with its TraceTenant). What the API server holds comes from a watch cache or
// from one list per kind, never from a read per object.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Kube } from './kube.ts';
import { forEachLimited } from './pool.ts';

/** `apiVersion/kind/namespace/name`: one object, whatever its kind. */
export const objectKey = (o: KubernetesObject) =>
  `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
/** `apiVersion/kind`. */
export const kindKey = (o: Pick<KubernetesObject, 'apiVersion' | 'kind'>) => `${o.apiVersion}/${o.kind}`;

/** A kind the operator writes, and how to see what of it exists. */
export interface ManagedKind {
  apiVersion: string;
  kind: string;
  /** Our objects of this kind as the API server holds them (from a watch cache, or listed once). */
  present(): Promise<readonly KubernetesObject[]> | readonly KubernetesObject[];
  /** Whether an object no longer desired may be deleted (default: yes). */
  prunable?(obj: KubernetesObject): boolean;
  /** Told after each successful write or deletion, so a listed view stays current without a read. */
  written?(obj: KubernetesObject, deleted: boolean): void;
  /** Told when a write failed: what it holds of this kind is no longer known. */
  forget?(): void;
}

/**
 * Whether `have` holds everything `want` sets: the same keys with the same values, recursively;
 * arrays element by element. Fields the API server adds (defaults, other managers' labels) are ignored,
 * and so are the prototypes of client-node's typed objects (which a deep-equality check counts as a
 * difference).
 */
export function holds(have: unknown, want: unknown): boolean {
  if (Array.isArray(want))
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => holds(have[i], w));
  if (want !== null && typeof want === 'object') {
    if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
    return Object.entries(want).every(
      ([k, w]) => w === undefined || holds((have as Record<string, unknown>)[k], w),
    );
  }
  return have === want;
}

/** What we set on an object, for comparison: everything but its identity, and of metadata the labels and annotations. */
function ours(o: KubernetesObject): unknown {
  const { apiVersion: _v, kind: _k, metadata, ...rest } = o as KubernetesObject & Record<string, unknown>;
  return { metadata: { labels: metadata?.labels, annotations: metadata?.annotations }, ...rest };
}

export interface ApplyResult {
  /** Objects written or deleted. */
  writes: number;
  /** Which: objectKey, prefixed `-` when deleted. */
  written: string[];
  /** Failures by objectKey (each object is tried whatever the others do). */
  failed: Map<string, unknown>;
  /** What the API server held before this run, by objectKey (for callers explaining a failure). */
  present: Map<string, KubernetesObject>;
}

export async function applyAndPrune(p: {
  desired: readonly KubernetesObject[];
  kinds: readonly ManagedKind[];
  kube: Pick<Kube, 'apply' | 'delete'>;
  /** Requests in flight at most. */
  limit: number;
}): Promise<ApplyResult> {
  const result: ApplyResult = { writes: 0, written: [], failed: new Map(), present: new Map() };
  const kinds = new Map(p.kinds.map((k) => [kindKey(k), k]));
  const unmanaged = p.desired.filter((o) => !kinds.has(kindKey(o)));
  if (unmanaged.length) throw new Error(`no managed kind for ${objectKey(unmanaged[0] as KubernetesObject)}`);
  for (const k of p.kinds) {
    try {
      // Listed and cached objects come without apiVersion and kind: they are the kind's.
      for (const o of await k.present()) {
        const stamped = { ...o, apiVersion: k.apiVersion, kind: k.kind };
        result.present.set(objectKey(stamped), stamped);
      }
    } catch (err) {
      // Without knowing what exists nothing of this kind is pruned; desired objects are applied.
      result.failed.set(`${kindKey(k)}/*`, err);
    }
  }
  const desired = new Map(p.desired.map((o) => [objectKey(o), o]));
  const toApply = [...desired].filter(([key, want]) => {
    const have = result.present.get(key);
    return !(have && holds(ours(have), ours(want)));
  });
  const listedAll = (k: ManagedKind) => !result.failed.has(`${kindKey(k)}/*`);
  const toPrune = [...result.present].filter(([key, have]) => {
    const k = kinds.get(kindKey(have));
    return k && listedAll(k) && !desired.has(key) && (k.prunable?.(have) ?? true);
  });

  const step = async ([key, obj]: [string, KubernetesObject], deleted: boolean) => {
    const k = kinds.get(kindKey(obj));
    try {
      if (deleted) await p.kube.delete(obj);
      else await p.kube.apply(obj);
      result.writes++;
      result.written.push(deleted ? `-${key}` : key);
      k?.written?.(obj, deleted);
    } catch (err) {
      k?.forget?.();
      throw Object.assign(new Error(String(err)), { key, cause: err });
    }
  };
  const failures = [
    ...(await forEachLimited(toApply, p.limit, (e) => step(e, false))),
    ...(await forEachLimited(toPrune, p.limit, (e) => step(e, true))),
  ] as { key: string; cause: unknown }[];
  for (const f of failures) result.failed.set(f.key, f.cause);
  return result;
}

/**
 * A managed kind whose objects are listed (one request, by label) and the listing kept for `ttlMs`,
 * updated with our own writes meanwhile: a resync re-lists, a failed write forgets.
 */
export function listedKind(
  k: Pick<ManagedKind, 'apiVersion' | 'kind' | 'prunable'>,
  list: () => Promise<KubernetesObject[]>,
  ttlMs: number,
  clock: () => number = () => performance.now(),
): ManagedKind {
  let listed: { at: number; objects: Map<string, KubernetesObject> } | undefined;
  return {
    ...k,
    async present() {
      if (!listed || clock() - listed.at >= ttlMs) {
        const objects = await list();
        const stamped = objects.map((o) => ({ ...o, apiVersion: k.apiVersion, kind: k.kind }));
        listed = { at: clock(), objects: new Map(stamped.map((o) => [objectKey(o), o])) };
      }
      return [...listed.objects.values()];
    },
    written(obj, deleted) {
      if (deleted) listed?.objects.delete(objectKey(obj));
      else listed?.objects.set(objectKey(obj), obj);
    },
    forget() {
      listed = undefined;
    },
  };
}
