// The ingest pipeline: every receiver hands a decoded batch and the authenticated tenant to push(),
// which runs the stages in order — rate limit, GenAI normalisation and content capture, attribute
// caps, tenant stamp, usage counts, sampling — and offers
// what is kept to the export queue. The result says what to tell the client; nothing here does I/O.
// Sampling is per span (policy mode `head`) or per whole trace (mode `trace`, the default): then the
// spans are written to the write-ahead log as a pending record and wait in the trace buffer
// (ingester/src/tail) for their trace's decision. A policy that keeps everything needs no decision.
import { IngestError } from '../errors.ts';
import type { ExportQueue } from '../export/queue.ts';
import type { Metrics } from '../metrics.ts';
import { normaliseBatch } from '../normalise/normalise.ts';
import { encodeTraceRequestParts, requestSize } from '../otlp/encode-proto.ts';
import { spanCount, type TraceBatch } from '../otlp/model.ts';
import type { Router } from '../route/router.ts';
import { sampleBatch } from '../sample/sampler.ts';
import { stripLedgerMarks } from '../tail/ledger.ts';
import type { TailSampler } from '../tail/tail-sampler.ts';
import type { TenantRuntime } from '../tenants/registry.ts';
import type { DurableLog } from '../wal/durable-log.ts';
import { tagTenant } from './tenant-tag.ts';
import { truncateAttributes } from './truncate-attributes.ts';
import { tallyUsage } from './usage.ts';

export interface PushResult {
  /** Spans received in the request. */
  received: number;
  /** Spans kept and queued for storage. */
  queued: number;
  /** Spans dropped by sampling: accepted, by design not stored. */
  sampledOut: number;
  /** Spans accepted into the trace buffer, waiting for their trace's decision (mode trace). */
  buffered: number;
}

export interface Pipeline {
  /**
   * Resolves with what happened once the kept spans are queued (and, with a write-ahead log, durable:
   * only then may the client be told 200/OK), or rejects with an IngestError to return to the client.
   * `bytes`: the size of the request as received, to refuse it before any work when storage is
   * backed up. Usage and sampling are counted only for a request that is accepted, so one refused
   * and sent again is counted once.
   */
  push(tenant: TenantRuntime, batch: TraceBatch, bytes?: number): Promise<PushResult>;
  /**
   * Spans a peer forwarded for traces this replica owns: already limited, normalised, tagged and
   * counted by the replica that received them; they only join the trace buffer here.
   */
  pushForwarded(tenant: TenantRuntime, batch: TraceBatch): Promise<PushResult>;
}

export function createPipeline(deps: {
  queue: ExportQueue;
  metrics: Metrics;
  wal?: DurableLog;
  /** Trace-complete sampling; without it every policy samples per span (mode head). */
  tail?: TailSampler;
  /** With peers: each trace is buffered by the replica that owns it (ingester/src/route). */
  router?: Router;
}): Pipeline {
  const { queue, metrics, tail, router } = deps;

  /**
   * Trace mode: this replica's traces into its buffer, the others' to their owners. The client hears
   * OK only when both are done: every part is then durable where its trace will be decided.
   */
  async function routeAndBuffer(t: string, batch: TraceBatch, received: number): Promise<PushResult> {
    if (!router) return buffer(t, batch, received);
    const { local, forwarded } = router.route(t, batch);
    const mine = local ? spanCount(local) : 0;
    // Both are waited for, even when one fails: until then either may still read the request's bytes
    // (a write to the log, a forward waiting to be sent), which go back to the pool when we return.
    const [result, sent] = await Promise.allSettled([
      local ? buffer(t, local, mine) : Promise.resolve(undefined),
      forwarded,
    ]);
    if (result.status === 'rejected') throw result.reason;
    if (sent.status === 'rejected') throw sent.reason;
    return { received, queued: 0, sampledOut: 0, buffered: result.value?.buffered ?? 0 };
  }

  /** Into the trace buffer: made durable as a pending record first (with a log), then buffered. */
  async function buffer(t: string, batch: TraceBatch, received: number): Promise<PushResult> {
    const tb = tail as TailSampler;
    const request = deps.wal ? encodeTraceRequestParts(batch) : undefined;
    if (!tb.makeRoom(request?.length ?? requestSize(batch)))
      refuseFull(t, received, 'the trace buffer and the export queue are full');
    let segment: number | undefined;
    if (deps.wal && request) {
      try {
        segment = await deps.wal.append({ tenant: t, spans: received, request, pending: true });
      } catch (err) {
        refuseUnlogged(t, received, err as Error);
      }
    }
    tb.add(t, batch, segment);
    return { received, queued: 0, sampledOut: 0, buffered: received };
  }

  function refuseFull(t: string, received: number, why = `${queue.depth} spans waiting for storage`): never {
    metrics.spansRejected.inc({ tenant: t, reason: 'queue_full' }, received);
    throw new IngestError('QUEUE_FULL', why, queue.retryAfterMs(t));
  }

  /** Not durable, so not accepted: the client keeps the spans and retries (disk full passes). */
  function refuseUnlogged(t: string, received: number, err: Error): never {
    metrics.spansRejected.inc({ tenant: t, reason: 'wal_unavailable' }, received);
    throw new IngestError('QUEUE_FULL', `write-ahead log: ${err.message}`, 1000);
  }

  /** Everything after the rate limit; throws an IngestError when the request is refused. */
  async function admit(
    tenant: TenantRuntime,
    batch: TraceBatch,
    received: number,
    bytes: number,
  ): Promise<PushResult> {
    const t = tenant.id;
    const wholeTraces = tail !== undefined && tenant.policy.mode === 'trace' && !tenant.policy.keepsAll;
    // Storage is backed up: refused before the work below, so clients retrying under overload cost
    // little. (The trace buffer makes room by deciding traces early instead.)
    if (!wholeTraces && !queue.hasRoom(t, tenant.policy.keepsAll ? received : 1, bytes))
      refuseFull(t, received);

    normaliseBatch(batch, tenant.contentCapture);
    const truncated = truncateAttributes(batch, tenant.limits.maxAttributeValueBytes);
    if (truncated) metrics.attributesTruncated.inc({ tenant: t }, truncated);
    tagTenant(batch, t);
    // Ledger attributes are the ingester's to write: a client cannot forge usage.
    stripLedgerMarks(batch);
    // Whole traces are decided later: their tokens are counted then, from the usage ledger.
    const recordUsage = tallyUsage(batch, t, metrics, !wholeTraces);

    if (wholeTraces) {
      const buffered = await routeAndBuffer(t, batch, received);
      recordUsage();
      return buffered;
    }

    const sampled = sampleBatch(batch, tenant.policy);
    const accepted = () => {
      recordUsage();
      if (sampled.dropped) metrics.spansSampledOut.inc({ tenant: t }, sampled.dropped);
      if (sampled.keptErrors) metrics.spansKeptErrors.inc({ tenant: t }, sampled.keptErrors);
    };
    const result = { received, queued: sampled.kept, sampledOut: sampled.dropped, buffered: 0 };
    if (sampled.kept === 0) {
      accepted();
      return result;
    }
    // Encoded once here, for the log, for its size and for the sink, which sends these very bytes.
    const request = queue.requestFor(batch, deps.wal !== undefined);
    const room = queue.reserve(t, sampled.kept, request?.length ?? requestSize(batch));
    if (!room) refuseFull(t, received);
    let segment: number | undefined;
    if (deps.wal && request) {
      try {
        segment = await deps.wal.append({ tenant: t, spans: sampled.kept, request });
      } catch (err) {
        room.cancel();
        refuseUnlogged(t, received, err as Error);
      }
    }
    room.commit(batch, segment, request);
    metrics.spansQueued.inc({ tenant: t }, sampled.kept);
    accepted();
    return result;
  }

  return {
    async push(tenant, batch, bytes = 0) {
      const received = spanCount(batch);
      const t = tenant.id;
      metrics.spansReceived.inc({ tenant: t }, received);

      const wait = tenant.bucket.take(received, Date.now());
      if (wait > 0) {
        metrics.spansRejected.inc({ tenant: t, reason: 'rate_limited' }, received);
        throw new IngestError(
          'RATE_LIMITED',
          `${received} spans over ${tenant.limits.spansPerSecond}/s`,
          wait,
        );
      }
      // A refused request is sent again: the rate it was charged is given back, so it pays once.
      try {
        return await admit(tenant, batch, received, bytes);
      } catch (err) {
        tenant.bucket.giveBack(received);
        throw err;
      }
    },
    async pushForwarded(tenant, batch) {
      const n = spanCount(batch);
      // Owned here by the sender's view of the peers; taken even if ours differs (no forwarding loops).
      if (tail) return buffer(tenant.id, batch, n);
      throw new IngestError('QUEUE_FULL', 'this replica has no trace buffer for forwarded spans', 1000);
    },
  };
}
