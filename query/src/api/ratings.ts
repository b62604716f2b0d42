// Ratings are spans: same trace, parent = the rated span, carrying the rated span's prompt id and
// version, written through the ingest path so they live wherever the trace lives (embedded store or
// Tempo). This module validates a rating and builds its OTLP/JSON export; the server sends it.
import { randomBytes } from 'node:crypto';
import { BadRequest } from '../model/filter.ts';
import type { SpanRow } from '../model/span.ts';

export interface RatingInput {
  traceId: string;
  spanId: string;
  /** 0 (bad) to 1 (good); thumbs map to 0 and 1, five stars to 0, 0.25 … 1. */
  score: number;
  comment?: string;
  source?: string;
}

export function parseRating(body: unknown): RatingInput {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.traceId !== 'string' || !/^[0-9a-f]{32}$/.test(b.traceId))
    throw new BadRequest('traceId: expected 32 lowercase hex digits');
  if (typeof b.spanId !== 'string' || !/^[0-9a-f]{16}$/.test(b.spanId))
    throw new BadRequest('spanId: expected 16 lowercase hex digits');
  if (typeof b.score !== 'number' || !(b.score >= 0 && b.score <= 1))
    throw new BadRequest('score: expected a number from 0 to 1');
  if (b.comment !== undefined && (typeof b.comment !== 'string' || b.comment.length > 4000))
    throw new BadRequest('comment: expected a string of at most 4000 characters');
  if (b.source !== undefined && (typeof b.source !== 'string' || b.source.length > 100))
    throw new BadRequest('source: expected a short string, e.g. "user" or "reviewer"');
  return {
    traceId: b.traceId,
    spanId: b.spanId,
    score: b.score,
    ...(typeof b.comment === 'string' ? { comment: b.comment } : {}),
    ...(typeof b.source === 'string' ? { source: b.source } : {}),
  };
}

/**
 * The rating span as an OTLP/JSON export request. Without the rated span (its trace is not stored)
 * it carries no span name or prompt: the ingester still files it under the rated trace.
 */
export function ratingExport(
  rated: SpanRow | undefined,
  r: RatingInput,
  nowNs: bigint,
  spanId = randomBytes(8).toString('hex'),
) {
  const str = (key: string, value: string | null | undefined) =>
    value ? [{ key, value: { stringValue: value } }] : [];
  return {
    spanId,
    request: {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'koder-trace-ratings' } }] },
          scopeSpans: [
            {
              scope: { name: 'koder-trace-query' },
              spans: [
                {
                  traceId: r.traceId,
                  spanId,
                  parentSpanId: r.spanId,
                  name: 'koder.rating',
                  kind: 1,
                  startTimeUnixNano: nowNs.toString(),
                  endTimeUnixNano: nowNs.toString(),
                  attributes: [
                    { key: 'koder.rating.score', value: { doubleValue: r.score } },
                    ...str('koder.rating.comment', r.comment),
                    ...str('koder.rating.source', r.source ?? 'api'),
                    ...str('koder.rating.span_name', rated?.name),
                    ...str('koder.prompt.id', rated?.prompt_id),
                    ...str('koder.prompt.version', rated?.prompt_version),
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
  };
}
