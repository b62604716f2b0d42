// Lists for the informers, in pages (as client-go's reflector does) and as plain JSON: at 10,000
// tenants one unpaged list of TraceTenants and one of token Secrets were each a response of many MiB,
// held as text, parsed whole and — for Secrets — copied again into client-node's typed classes, every
// item still carrying its managedFields. That transient set the operator's peak RSS. Here each page
// is trimmed (`each`, the caches' slim) as it arrives, so only the trimmed items accumulate.
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { ApiError, rawJson } from './raw-json.ts';

/** A list as the API server sends it (`continue`, which client-node's typed ListMeta calls `_continue`). */
interface RawList<T> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

/** Items per page: client-go's default. */
export const PAGE_SIZE = 500;

export interface PagedListOptions<T> {
  labelSelector?: string;
  pageSize?: number;
  /** Called on every item as its page arrives (to trim it before the next page is read). */
  each?: (item: T) => void;
}

/**
 * Every item at `path` (e.g. `/api/v1/secrets`), read in pages, as one list whose resourceVersion is
 * the pages' common snapshot (what a watch continues from). When a continue token has expired (410:
 * the snapshot was compacted away) the list starts over once, unpaged, as client-go's pager does.
 */
export async function listPaged<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  opts: PagedListOptions<T> = {},
): Promise<KubernetesListObject<T>> {
  try {
    return await pages(kc, path, opts, opts.pageSize ?? PAGE_SIZE);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 410)) throw err;
    return pages(kc, path, opts, 0);
  }
}

async function pages<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  opts: PagedListOptions<T>,
  pageSize: number,
): Promise<KubernetesListObject<T>> {
  const items: T[] = [];
  let first: RawList<T> | undefined;
  let token: string | undefined;
  do {
    const q = new URLSearchParams();
    if (opts.labelSelector) q.set('labelSelector', opts.labelSelector);
    if (pageSize) q.set('limit', String(pageSize));
    if (token) q.set('continue', token);
    const page = await rawJson<RawList<T>>(kc, 'GET', `${path}?${q}`);
    first ??= page;
    for (const item of page.items ?? []) {
      opts.each?.(item);
      items.push(item);
    }
    token = page.metadata?.continue;
  } while (token);
  return {
    apiVersion: first?.apiVersion ?? 'v1',
    kind: first?.kind ?? 'List',
    metadata: { resourceVersion: first?.metadata?.resourceVersion },
    items,
  };
}
