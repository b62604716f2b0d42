// Which replica owns a trace: rendezvous (highest-random-weight) hashing of the trace id over the
// replica ids. Every replica computes the same owner from the same peer list with no coordination,
// and when a replica joins or leaves only the traces it gains or loses move (about 1/n of them).

import { fmix32 } from '../otlp/fmix32.ts';
import type { TraceBatch } from '../otlp/model.ts';

export interface Ring {
  readonly ids: readonly string[];
  /** The index in `ids` of the owner of the trace. */
  ownerOf(traceId: Uint8Array): number;
}

/** FNV-1a over a string: the per-replica seed. */
function seedOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function createRing(ids: readonly string[]): Ring {
  const seeds = ids.map(seedOf);
  return {
    ids,
    ownerOf(traceId) {
      // The trace id folded to 32 bits once, then one mix per replica.
      let t = 0x9747b28c;
      for (let i = 0; i < traceId.length; i++) {
        t ^= traceId[i] as number;
        t = Math.imul(t, 0x01000193);
      }
      let best = 0;
      let bestScore = -1;
      for (let i = 0; i < seeds.length; i++) {
        const score = fmix32((seeds[i] as number) ^ t);
        if (score > bestScore || (score === bestScore && (ids[i] as string) < (ids[best] as string))) {
          best = i;
          bestScore = score;
        }
      }
      return best;
    },
  };
}

/** The batch cut by owner: index → the spans that replica owns (resources and scopes kept). */
export function splitByOwner(batch: TraceBatch, ring: Ring): Map<number, TraceBatch> {
  const out = new Map<number, TraceBatch>();
  for (const rs of batch.resourceSpans) {
    const perOwner = new Map<number, TraceBatch['resourceSpans'][number]>();
    for (const ss of rs.scopeSpans) {
      const scopes = new Map<number, TraceBatch['resourceSpans'][number]['scopeSpans'][number]>();
      for (const span of ss.spans) {
        const owner = ring.ownerOf(span.traceId);
        let scope = scopes.get(owner);
        if (!scope) {
          scope = { scope: ss.scope, spans: [], schemaUrl: ss.schemaUrl };
          scopes.set(owner, scope);
          let res = perOwner.get(owner);
          if (!res) {
            res = { resource: rs.resource, scopeSpans: [], schemaUrl: rs.schemaUrl };
            perOwner.set(owner, res);
            let b = out.get(owner);
            if (!b) {
              b = { resourceSpans: [] };
              out.set(owner, b);
            }
            b.resourceSpans.push(res);
          }
          res.scopeSpans.push(scope);
        }
        scope.spans.push(span);
      }
    }
  }
  return out;
}
