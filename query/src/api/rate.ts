// A rating through the API, end to end: write the rating span through the ingest path as the
// caller's tenant, then say what became of the rated trace. A span that is not stored is rated
// anyway: its trace may have been dropped by trace-mode sampling, and the rating brings it back
// from the ingester's rescue store while the rescue window lasts. Whether it did shows as the trace
// appearing in storage, so the answer looks for it for a short while.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { SpanRow } from '../model/span.ts';
import { type RatingInput, ratingExport } from './ratings.ts';

const INGEST_TIMEOUT_MS = 10_000;
/** How long the answer waits for a rescued trace to reach storage. */
export const RESCUE_WAIT_MS = 4_000;
const RESCUE_POLL_MS = 200;

export type RatedTrace = 'stored' | 'rescued' | 'not-stored';

export interface RateDeps {
  /** The rated span as stored for this tenant, if it is. */
  findSpan(): Promise<SpanRow | undefined>;
  ingestUrl: string;
  authorization: string | undefined;
  nowNs: bigint;
  log: Logger;
  rescueWaitMs?: number;
}

export type RateOutcome =
  | { ok: true; ratingSpanId: string; trace: RatedTrace; note?: string }
  | { ok: false; error: string };

export const NOT_STORED_NOTE =
  'the rated trace is not stored: it was dropped by sampling longer ago than the rescue window (10 minutes by default), or never arrived; the rating is stored on its own';

export async function rate(r: RatingInput, deps: RateDeps): Promise<RateOutcome> {
  const rated = await deps.findSpan();
  const { spanId, request } = ratingExport(rated, r, deps.nowNs);
  let res: Response;
  try {
    res = await fetch(`${deps.ingestUrl}/v1/traces`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(deps.authorization ? { authorization: deps.authorization } : {}),
      },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(INGEST_TIMEOUT_MS),
    });
  } catch (err) {
    deps.log.warn({ err: String(err) }, 'the ingester could not take a rating');
    return { ok: false, error: 'the ingester cannot be reached to store the rating; try again' };
  }
  if (!res.ok)
    return { ok: false, error: `the ingester refused the rating: ${res.status} ${await res.text()}` };
  if (rated) return { ok: true, ratingSpanId: spanId, trace: 'stored' };
  const deadline = Date.now() + (deps.rescueWaitMs ?? RESCUE_WAIT_MS);
  while (Date.now() < deadline) {
    await sleep(RESCUE_POLL_MS);
    if (await deps.findSpan()) return { ok: true, ratingSpanId: spanId, trace: 'rescued' };
  }
  return { ok: true, ratingSpanId: spanId, trace: 'not-stored', note: NOT_STORED_NOTE };
}
