// Splits a batch between this replica and the peers that own its traces (rendezvous hashing over the
// peer list in force), and forwards the peers' parts. The ring is rebuilt when the peer list changes
// (config reload).
import type { ClusterConfig } from '../config/schema.ts';
import { spanCount, type TraceBatch } from '../otlp/model.ts';
import type { Forwarder } from './forwarder.ts';
import { createRing, type Ring, splitByOwner } from './rendezvous.ts';

export interface Router {
  /** This replica's part (undefined when none) and a promise settling once every peer took theirs. */
  route(tenant: string, batch: TraceBatch): { local: TraceBatch | undefined; forwarded: Promise<number> };
  /** Whether this replica owns the trace under the peer list in force. */
  owns(traceId: Uint8Array): boolean;
  /** The peer owning the trace, or undefined when this replica does (or there is no routing). */
  ownerOf(traceId: Uint8Array): ClusterConfig['peers'][number] | undefined;
  /**
   * The peer owning the trace once this replica has left the peer list (shutting down), as the others
   * will compute it; undefined when no other peer is left.
   */
  successorOf(traceId: Uint8Array): ClusterConfig['peers'][number] | undefined;
  close(): void;
}

export function createRouter(deps: { cluster: () => Readonly<ClusterConfig>; forwarder: Forwarder }): Router {
  let ringFor: ClusterConfig['peers'] | undefined;
  let ring: Ring = createRing([]);
  let self = -1;
  let others: { peers: ClusterConfig['peers']; ring: Ring } | undefined;
  const current = () => {
    const c = deps.cluster();
    if (c.peers !== ringFor) {
      ringFor = c.peers;
      ring = createRing(c.peers.map((p) => p.id));
      self = c.peers.findIndex((p) => p.id === c.selfId);
      others = undefined;
    }
    return { c, ring, self };
  };
  return {
    route(tenant, batch) {
      const { c, ring, self } = current();
      if (c.peers.length < 2) return { local: batch, forwarded: Promise.resolve(0) };
      const parts = splitByOwner(batch, ring);
      const sends: Promise<number>[] = [];
      for (const [owner, part] of parts) {
        if (owner === self) continue;
        const peer = c.peers[owner] as ClusterConfig['peers'][number];
        const n = spanCount(part);
        sends.push(deps.forwarder.forward(peer, tenant, part, n).then(() => n));
      }
      // Settles once every send has: one failing early must not end the request while another still
      // holds views of its bytes.
      const forwarded = Promise.allSettled(sends).then((results) => {
        let n = 0;
        for (const r of results) {
          if (r.status === 'rejected') throw r.reason;
          n += r.value;
        }
        return n;
      });
      // Settled by the caller; a rejection is never left unobserved meanwhile.
      forwarded.catch(() => {});
      return { local: parts.get(self), forwarded };
    },
    owns(traceId) {
      const { c, ring, self } = current();
      return c.peers.length < 2 || ring.ownerOf(traceId) === self;
    },
    ownerOf(traceId) {
      const { c, ring, self } = current();
      if (c.peers.length < 2) return undefined;
      const owner = ring.ownerOf(traceId);
      return owner === self ? undefined : c.peers[owner];
    },
    successorOf(traceId) {
      const { c } = current();
      if (!others) {
        const peers = c.peers.filter((p) => p.id !== c.selfId);
        others = { peers, ring: createRing(peers.map((p) => p.id)) };
      }
      return others.peers.length ? others.peers[others.ring.ownerOf(traceId)] : undefined;
    },
    close() {
      deps.forwarder.close();
    },
  };
}
