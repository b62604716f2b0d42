// What the prompt registry receives for each rating span (the query API's UI/API ratings are such
// spans too): the rated span (the rating's parent), the prompt id and version, the score and comment.
// Pure: reads the batch, changes nothing.
import { createHash } from 'node:crypto';
import { type AnyValue, getAttribute, type TraceBatch } from '../otlp/model.ts';
import { isRating } from '../sample/policy.ts';

export interface RatingPayload {
  /** Same for the same rating span however often it is sent: the receiver's idempotency key. */
  id: string;
  type: 'koder.rating';
  tenant: string;
  trace_id: string;
  /** The rated span: the rating span's parent (empty when the rating names no parent). */
  span_id: string;
  rating_span_id: string;
  prompt_id: string | null;
  prompt_version: string | null;
  score: number;
  comment: string | null;
  source: string | null;
  /** When the rating was made (the rating span's end), RFC 3339. */
  rated_at: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const text = (v: AnyValue | undefined): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : null;

/** The payload of every rating span in `batch` whose score is a number. */
export function ratingPayloads(tenant: string, batch: TraceBatch): RatingPayload[] {
  const out: RatingPayload[] = [];
  for (const rs of batch.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans) {
        if (!isRating(span)) continue;
        const raw = getAttribute(span.attributes, 'koder.rating.score');
        const score = typeof raw === 'bigint' ? Number(raw) : raw;
        if (typeof score !== 'number' || !Number.isFinite(score)) continue;
        const traceId = hex(span.traceId);
        const ratingSpanId = hex(span.spanId);
        const at = span.endTimeUnixNano || span.startTimeUnixNano;
        out.push({
          id: createHash('sha256').update(`${tenant}/${traceId}/${ratingSpanId}`).digest('hex').slice(0, 32),
          type: 'koder.rating',
          tenant,
          trace_id: traceId,
          span_id: hex(span.parentSpanId),
          rating_span_id: ratingSpanId,
          prompt_id: text(getAttribute(span.attributes, 'koder.prompt.id')),
          prompt_version: text(getAttribute(span.attributes, 'koder.prompt.version')),
          score,
          comment: text(getAttribute(span.attributes, 'koder.rating.comment')),
          source: text(getAttribute(span.attributes, 'koder.rating.source')),
          rated_at: new Date(Number(at / 1_000_000n)).toISOString(),
        });
      }
  return out;
}
