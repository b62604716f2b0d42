// Hooks the prompt-registry webhook onto the ingest pipeline: the ratings in a request are read before
// the pipeline runs (sampling may take spans out of the batch) and put in the outbox once the request
// is accepted; a refused request delivers nothing (its client retries it). Spans forwarded by a peer
// were put in that peer's outbox already, so they pass straight through.
import type { TraceBatch } from '../otlp/model.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import { isRating } from '../sample/policy.ts';
import type { RegistryWebhook } from './deliverer.ts';

function hasRating(batch: TraceBatch): boolean {
  return batch.resourceSpans.some((rs) => rs.scopeSpans.some((ss) => ss.spans.some(isRating)));
}

export function deliverRatings(
  pipeline: Pipeline,
  webhook: RegistryWebhook,
  hasRegistry: (tenant: string) => boolean,
): Pipeline {
  return {
    async push(tenant, batch, bytes) {
      if (!hasRegistry(tenant.id) || !hasRating(batch)) return pipeline.push(tenant, batch, bytes);
      // Only the rating spans are kept aside: the pipeline changes the batch's arrays as it goes.
      const ratings: TraceBatch = {
        resourceSpans: batch.resourceSpans.map((rs) => ({
          ...rs,
          scopeSpans: rs.scopeSpans.map((ss) => ({ ...ss, spans: ss.spans.filter(isRating) })),
        })),
      };
      const result = await pipeline.push(tenant, batch, bytes);
      await webhook.accept(tenant.id, ratings);
      return result;
    },
    pushForwarded: (tenant, batch) => pipeline.pushForwarded(tenant, batch),
  };
}
