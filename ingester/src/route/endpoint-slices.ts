// The peer list from a headless Service's EndpointSlices: every ready endpoint is a replica, named
// by its pod (the id rendezvous hashing uses, stable while the pod lives) and reached at its address
// on the Service's peer port. Pure: the watcher (discovery.ts) feeds it what the API server sends.
import type { Peer } from '../config/schema.ts';

/** The fields of a discovery.k8s.io/v1 EndpointSlice read here. */
export interface EndpointSliceLike {
  addressType?: string;
  ports?: { name?: string | null; port?: number | null }[] | null;
  endpoints?:
    | {
        addresses?: string[];
        conditions?: { ready?: boolean | null; terminating?: boolean | null } | null;
        hostname?: string | null;
        targetRef?: { name?: string | null } | null;
      }[]
    | null;
}

/**
 * Ready endpoints of the slices as peers, sorted by id, each id once (a pod listed in two slices
 * while they are rewritten counts once). An endpoint whose `ready` is unset counts as ready, as the
 * EndpointSlice API says consumers should read it; terminating ones never do.
 */
export function peersFromSlices(slices: Iterable<EndpointSliceLike>, portName: string): Peer[] {
  const byId = new Map<string, Peer>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const port = slice.ports?.find((p) => (p.name ?? '') === portName)?.port;
    if (!port) continue;
    for (const e of slice.endpoints ?? []) {
      if (e.conditions?.ready === false || e.conditions?.terminating === true) continue;
      const address = e.addresses?.[0];
      if (!address) continue;
      const id = e.targetRef?.name || e.hostname || address;
      const host = address.includes(':') ? `[${address}]` : address;
      if (!byId.has(id)) byId.set(id, { id, endpoint: `${host}:${port}` });
    }
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Whether two peer lists are the same (so the ring is not rebuilt for nothing). */
export function samePeers(a: readonly Peer[], b: readonly Peer[]): boolean {
  return a.length === b.length && a.every((p, i) => p.id === b[i]?.id && p.endpoint === b[i]?.endpoint);
}
