// Trace-complete sampling (SamplingPolicy mode `trace`): accepted spans wait in the trace buffer until
// their trace is due — its root span arrived and the quiet period passed, an agent run ended, or it
// reached its age, span or byte cap — and are then kept or dropped as a whole (decide-trace.ts). Kept
// traces go to the export queue, stamped; spans arriving after the decision follow it (decision cache).
//
// Durability: the pipeline writes each request to the write-ahead log as a *pending* record before
// the client hears OK, and the buffered traces hold references on the segments their spans are in. A
// kept trace is written again as an ordinary record (what the queue exports) before its pending
// references are let go; a dropped trace just lets go. After a crash, pending records are replayed
// into this buffer and decided again (the same way: decisions depend only on the spans), so nothing
// accepted is lost; a trace whose kept record and pending record both survive may be stored twice
// (at-least-once, as the log already is).
//
// Memory: the buffer, the decision cache and kept traces waiting for queue room hold their bytes of
// the ingester's memory budget. When a request would not fit, the oldest traces are decided early
// (trigger `memory` in koder_ingester_trace_decisions_total); if it still does not fit, the request
// is refused with back-pressure. Nothing is dropped silently.
import type { Logger } from 'pino';
import type { TailSettings } from '../config/schema.ts';
import type { ExportQueue, SegmentRefs } from '../export/queue.ts';
import type { ByteBudget } from '../memory/byte-budget.ts';
import type { Metrics } from '../metrics.ts';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { encodeTraceRequest, requestSize } from '../otlp/encode-proto.ts';
import { type Resource, type ResourceSpans, spanCount, type TraceBatch } from '../otlp/model.ts';
import { type CompiledPolicy, compilePolicy, isError, isRating } from '../sample/policy.ts';
import type { DurableLog } from '../wal/durable-log.ts';
import { decideTrace, type TraceDecision } from './decide-trace.ts';
import { DECISION_ENTRY_BYTES, DecisionCache } from './decision-cache.ts';
import type { HandedDecision } from './decision-wire.ts';
import { bufferedBatch, keptBatch, type Stamp, stampBatch } from './kept-batch.ts';
import {
  addSpanUsage,
  type CountedTokens,
  emptyLedger,
  ledgerBatch,
  type SpanLink,
  type TraceLedger,
} from './ledger.ts';
import type { TailMetrics } from './metrics.ts';
import type { RescueStore } from './rescue-store.ts';
import { bufferedLinks } from './span-links.ts';
import { type BufferedTrace, TraceBuffer, traceKey } from './trace-buffer.ts';

export type Trigger =
  | 'root_quiet'
  | 'agent_end'
  | 'max_age'
  | 'max_spans'
  | 'max_bytes'
  | 'memory'
  | 'shutdown'
  | 'flush'
  /** A replica that decided the trace before handed its decision over (a keep applies to all). */
  | 'handed_keep';

export interface TailDeps {
  queue: ExportQueue;
  wal?: DurableLog & SegmentRefs;
  budget?: ByteBudget;
  metrics: Metrics;
  tailMetrics: TailMetrics;
  /** The tenant's policy in force (reloads apply to traces decided after them). */
  policyOf(tenant: string): CompiledPolicy | undefined;
  settings(): Readonly<TailSettings>;
  log: Logger;
  /** Where dropped traces wait for a late rating (tail.rescue.dir); none: late ratings are kept alone. */
  rescue?: RescueStore;
  /** Takes the tokens a decided trace's ledger counted (the usage metric, exact by the rollup rule). */
  countTokens?(tenant: string, counted: readonly CountedTokens[]): void;
  now?: () => number;
}

export interface TailSampler {
  /**
   * Makes room in the memory budget for `bytes` more, deciding the oldest traces early if needed;
   * false when even that leaves no room (refuse the request with back-pressure).
   */
  makeRoom(bytes: number): boolean;
  /**
   * Takes a batch of accepted spans. `segment` is the write-ahead-log segment of its pending record,
   * whose one reference (from append or replay) passes to the buffer here.
   */
  add(tenant: string, batch: TraceBatch, segment: number | undefined): void;
  /** A pending record an earlier run left in the write-ahead log. */
  replay(tenant: string, request: Buffer, segment: number): void;
  /** Decides the traces that are due now (run by the timer; callable by tests). */
  sweep(): void;
  /** Decides every buffered trace now (tests, benchmarks); kept ones go to the queue. */
  flush(): Promise<void>;
  /**
   * Sends the buffered traces another replica owns now (the peer list changed) to it. A trace leaves
   * the buffer once its owner took it (durably, with a log there), and stays for the next call if
   * not. Not decided here meanwhile. Returns the spans handed over.
   */
  handOff(ownerOf: (traceId: Uint8Array) => Peer | undefined, send: HandOff): Promise<number>;
  /**
   * The decisions held for traces another replica owns now (ownership moved), by that replica, to hand
   * to it: their late spans then follow the decision there.
   */
  decisionsOwnedElsewhere(
    ownerOf: (traceId: Uint8Array) => Peer | undefined,
  ): Map<string, { peer: Peer; items: HandedDecision[] }>;
  /**
   * Decisions another replica handed over. Late spans of those traces follow them. A trace already
   * buffered here (its late spans came before the decision) is kept at once if it was kept there,
   * so it is stored whole; a drop leaves it to be decided here. Returns how many were taken.
   */
  adoptDecisions(items: readonly HandedDecision[]): number;
  /** Whether a trace is waiting in the buffer / what was decided for it (tests, the query side). */
  decisionOf(tenant: string, traceId: Uint8Array): TraceDecision | undefined;
  readonly bufferedTraces: number;
  /**
   * Stops the timer. With `decideAll` (no write-ahead log to keep buffered traces in) every trace is
   * decided and kept ones are handed to the queue before `deadlineMs`; with a log they stay pending.
   * Returns the spans that could not be handed over.
   */
  close(decideAll: boolean, deadlineMs: number): Promise<number>;
}

export interface Peer {
  id: string;
  endpoint: string;
}
export type HandOff = (peer: Peer, tenant: string, batch: TraceBatch, spans: number) => Promise<void>;

interface OutboxItem {
  tenant: string;
  batch: TraceBatch;
  spans: number;
  bytes: number;
  /** Pending-record segments this item's spans are in (one reference each, let go once queued). */
  segments: number[];
}

/** Budget bytes of a pending late ledger: its tally, links and keys (an estimate, kept generous). */
const LATE_LEDGER_BYTES = 2048;
/** The most one merged outbox item holds (spans, bytes): well under an export batch. */
const MERGE_SPANS = 2048;
const MERGE_BYTES = 1024 * 1024;

/** Keeps everything: used for spans of a tenant no longer configured (replayed from the log). */
const KEEP_ALL = compilePolicy(undefined);

export function createTailSampler(deps: TailDeps): TailSampler {
  const { queue, wal, budget, metrics, tailMetrics: tm, log } = deps;
  const now = deps.now ?? Date.now;
  const buffer = new TraceBuffer();
  let cacheEntries = 0;
  const cache = new DecisionCache(
    () => deps.settings().decisionCacheTraces,
    (delta) => {
      cacheEntries += delta;
      if (delta > 0) budget?.take(delta * DECISION_ENTRY_BYTES);
      else budget?.release(-delta * DECISION_ENTRY_BYTES);
    },
  );
  const outbox: OutboxItem[] = [];
  // Per tenant, by resource: the traces of one request share its resource's copy, and their ledger
  // spans one ResourceSpans, so a sweep's ledgers carry each resource once, not once per trace.
  const droppedLedgers = new Map<
    string,
    { byResource: Map<Resource, ResourceSpans>; spans: number; segments: number[] }
  >();
  // Late spans' usage per trace until the next sweep (gatherLateUsage). A pending ledger keeps its
  // spans' resource (the request's) until then: one sweep interval.
  const lateLedgers = new Map<
    string,
    {
      tenant: string;
      traceId: Uint8Array;
      ledger: TraceLedger;
      d: TraceDecision;
      links: SpanLink[];
      segments: number[];
    }
  >();
  /** Traces on their way to another replica: not decided here meanwhile. */
  const handingOff = new Set<BufferedTrace>();
  let outboxBytes = 0;
  let flushing: Promise<void> | undefined;
  let closed = false;

  const gauges = () => {
    tm.bufferedTraces.set(buffer.traces.size);
    tm.lateLedgers.set(lateLedgers.size);
    tm.bufferedSpans.set(buffer.spans);
    tm.bufferedBytes.set(buffer.bytes + outboxBytes + cacheEntries * DECISION_ENTRY_BYTES);
    tm.cachedDecisions.set(cacheEntries);
  };

  const releaseSegments = (segments: readonly number[]) => {
    if (wal) for (const s of segments) wal.release(s);
  };

  function decide(trace: BufferedTrace, trigger: Trigger, given?: TraceDecision): void {
    buffer.remove(trace);
    budget?.release(trace.bytes);
    const policy = deps.policyOf(trace.tenant) ?? KEEP_ALL;
    const d = given ?? decideTrace(trace.traceId, trace.facts, policy);
    cache.set(trace.key, d);
    const outcome = d.keep ? 'kept' : 'dropped';
    const spans = trace.facts.spans;
    tm.decisions.inc({ tenant: trace.tenant, trigger, outcome });
    tm.spansDecided.inc({ tenant: trace.tenant, outcome }, spans);
    // The usage ledger goes out whatever the decision, with the kept spans or alone; the trace's
    // pending records stay referenced until it is queued, so a crash before that loses nothing.
    const settled = ledgerBatch(trace.traceId, trace.ledger, d, () => bufferedLinks(trace.groups));
    if (settled?.counted.length) deps.countTokens?.(trace.tenant, settled.counted);
    const ledger = settled?.batch;
    const ledgerSpans = ledger ? spanCount(ledger) : 0;
    if (!d.keep) {
      metrics.spansSampledOut.inc({ tenant: trace.tenant }, spans);
      if (deps.rescue) {
        try {
          deps.rescue.put(trace.key, encodeTraceRequest(bufferedBatch(trace.groups)), spans, now());
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'rescue store: a dropped trace could not be written');
        }
      }
      if (!ledger) {
        releaseSegments(trace.segments);
        return;
      }
      // Ledgers of dropped traces decided together go out together (one queue item per tenant).
      let l = droppedLedgers.get(trace.tenant);
      if (!l) {
        l = { byResource: new Map(), spans: 0, segments: [] };
        droppedLedgers.set(trace.tenant, l);
      }
      for (const rs of ledger.resourceSpans) {
        const same = l.byResource.get(rs.resource)?.scopeSpans[0];
        if (same) for (const ss of rs.scopeSpans) same.spans.push(...ss.spans);
        else l.byResource.set(rs.resource, rs);
      }
      l.spans += ledgerSpans;
      l.segments.push(...trace.segments);
      return;
    }
    if (d.reason === 'error') metrics.spansKeptErrors.inc({ tenant: trace.tenant }, spans);
    // Kept now, dropped before (its decision was forgotten, then a rating came): the rest comes back.
    if (deps.rescue?.has(trace.key)) rescueTrace(trace.tenant, trace.key);
    const batch = keptBatch(trace.groups, d);
    if (ledger) batch.resourceSpans.push(...ledger.resourceSpans);
    toOutbox({
      tenant: trace.tenant,
      batch,
      spans: spans + ledgerSpans,
      bytes: trace.bytes,
      segments: trace.segments,
    });
  }

  /**
   * Takes a dropped trace out of the rescue store into the outbox, kept from now on. Its spans carry
   * adjusted count 1 and rule `rescued-by-rating`: they stand for themselves, not for a sample.
   */
  function rescueTrace(tenant: string, key: string): boolean {
    const request = deps.rescue?.take(key, now());
    if (!request) return false;
    const batch = decodeTraceRequest(request);
    const rescued: TraceDecision = { keep: true, threshold: 0n, rule: 'rescued-by-rating', reason: 'rating' };
    stampBatch(batch, rescued);
    cache.set(key, rescued);
    const spans = spanCount(batch);
    toOutbox({ tenant, batch, spans, bytes: requestSize(batch), segments: [] });
    tm.rescued.inc({ tenant });
    return true;
  }

  /** Moves the ledgers of dropped traces gathered by decide() to the outbox. */
  function outboxLedgers(): void {
    for (const [tenant, l] of droppedLedgers) {
      const batch = { resourceSpans: [...l.byResource.values()] };
      toOutbox({ tenant, batch, spans: l.spans, bytes: requestSize(batch), segments: l.segments });
    }
    droppedLedgers.clear();
  }

  function toOutbox(item: OutboxItem): void {
    outbox.push(item);
    outboxBytes += item.bytes;
    budget?.take(item.bytes);
  }

  /** Hands kept traces to the export queue in order, as room allows; the rest wait for the next turn. */
  /**
   * Joins the items at the head of the outbox that belong to one tenant into one (up to a batch's
   * worth), so that many small kept traces make one queue item and one log record, not one each.
   */
  function mergeHead(): void {
    const first = outbox[0];
    if (!first || outbox.length < 2) return;
    let n = 1;
    let spans = first.spans;
    let bytes = first.bytes;
    while (n < outbox.length) {
      const next = outbox[n] as OutboxItem;
      if (
        next.tenant !== first.tenant ||
        spans + next.spans > MERGE_SPANS ||
        bytes + next.bytes > MERGE_BYTES
      )
        break;
      spans += next.spans;
      bytes += next.bytes;
      n++;
    }
    if (n === 1) return;
    const parts = outbox.splice(0, n);
    outbox.unshift({
      tenant: first.tenant,
      batch: { resourceSpans: parts.flatMap((p) => p.batch.resourceSpans) },
      spans,
      bytes,
      segments: parts.flatMap((p) => p.segments),
    });
  }

  function flushOutbox(): Promise<void> {
    if (flushing) return flushing;
    let done = false;
    const run = (async () => {
      try {
        while (outbox.length) {
          mergeHead();
          const item = outbox[0] as OutboxItem;
          // The item's bytes pass to the queue's reservation (which takes its own exact share).
          budget?.release(item.bytes);
          const request = queue.requestFor(item.batch, wal !== undefined);
          const room = queue.reserve(item.tenant, item.spans, request?.length ?? requestSize(item.batch));
          if (!room) {
            budget?.take(item.bytes);
            return;
          }
          outbox.shift();
          outboxBytes -= item.bytes;
          let segment: number | undefined;
          if (wal && request) {
            try {
              segment = await wal.append({ tenant: item.tenant, spans: item.spans, request });
            } catch (err) {
              // Still pending in the log: tried again on the next turn.
              room.cancel();
              outbox.unshift(item);
              outboxBytes += item.bytes;
              budget?.take(item.bytes);
              log.warn({ err: (err as Error).message }, 'write-ahead log: a kept trace waits to be written');
              return;
            }
          }
          room.commit(item.batch, segment, request);
          metrics.spansQueued.inc({ tenant: item.tenant }, item.spans);
          releaseSegments(item.segments);
        }
      } finally {
        done = true;
        flushing = undefined;
        gauges();
      }
    })();
    // A run with nothing to wait for has already finished here: it must not be left as "in progress".
    if (!done) flushing = run;
    return run;
  }

  function dueTrigger(trace: BufferedTrace, at: number): Trigger | undefined {
    const wait = (deps.policyOf(trace.tenant) ?? KEEP_ALL).wait;
    if (trace.facts.rootSeen) {
      if (trace.facts.agentRoot && wait.decideOnAgentEnd) return 'agent_end';
      if (at - trace.lastAt >= wait.quietMs) return 'root_quiet';
    }
    if (at - trace.firstAt >= wait.maxAgeMs) return 'max_age';
    return undefined;
  }

  function sweep(): void {
    const at = now();
    deps.rescue?.prune(at);
    if (deps.rescue) tm.rescueBytes.set(deps.rescue.bytes);
    for (const trace of [...buffer.traces.values()]) {
      if (handingOff.has(trace)) continue;
      const trigger = dueTrigger(trace, at);
      if (trigger) decide(trace, trigger);
    }
    afterDecisions();
  }

  /** After deciding: ledgers of dropped traces join the outbox, gauges follow, the outbox drains. */
  function afterDecisions(): void {
    outboxLedgers();
    outboxLateLedgers();
    gauges();
    if (outbox.length) void flushOutbox();
  }

  let timerMs = deps.settings().sweepIntervalMs;
  let timer = setInterval(tick, timerMs);
  timer.unref();
  function tick(): void {
    if (closed) return;
    try {
      sweep();
    } catch (err) {
      log.error({ err }, 'trace buffer sweep failed; retried on the next tick');
    }
    const ms = deps.settings().sweepIntervalMs;
    if (ms !== timerMs) {
      clearInterval(timer);
      timerMs = ms;
      timer = setInterval(tick, ms);
      timer.unref();
    }
  }

  function add(tenant: string, batch: TraceBatch, segment: number | undefined): void {
    const policy = deps.policyOf(tenant) ?? KEEP_ALL;
    const before = buffer.bytes;
    // Spans of traces already decided follow the decision: found by the cache while buffering.
    let late = 0;
    const { touched, newSegmentRefs } = buffer.add(tenant, batch, policy, now(), segment, (key) => {
      if (!cache.get(key)) return false;
      late++;
      return true;
    });
    budget?.take(buffer.bytes - before);
    const lateKept = late ? lateKeptBatches(tenant, batch, policy) : [];
    if (late) {
      const kept = lateKept.reduce((n, l) => n + l.spans, 0);
      if (kept) tm.lateSpans.inc({ tenant, outcome: 'kept' }, kept);
      if (late - kept) {
        tm.lateSpans.inc({ tenant, outcome: 'dropped' }, late - kept);
        metrics.spansSampledOut.inc({ tenant }, late - kept);
      }
    }
    const lateRefs = late ? gatherLateUsage(tenant, batch, segment) : 0;
    // References: one per trace newly holding the segment, one per late kept batch and one per pending
    // late ledger newly holding it; then the record's own reference (from append or replay) is let go.
    if (wal && segment !== undefined) {
      wal.ref(segment, newSegmentRefs + lateKept.length + lateRefs);
      wal.release(segment);
    }
    for (const l of lateKept)
      toOutbox({
        tenant,
        batch: l.batch,
        spans: l.spans,
        bytes: requestSize(l.batch),
        segments: segment === undefined ? [] : [segment],
      });
    for (const trace of touched) {
      const wait = policy.wait;
      if (trace.facts.spans >= wait.maxSpans) decide(trace, 'max_spans');
      else if (trace.bytes >= wait.maxBytes) decide(trace, 'max_bytes');
      else if (trace.facts.agentRoot && wait.decideOnAgentEnd) decide(trace, 'agent_end');
    }
    outboxLedgers();
    gauges();
    if (outbox.length) void flushOutbox();
  }

  /**
   * Folds the usage of a batch's late spans (their trace decided already) into their trace's pending
   * late ledger; returns how many of those newly hold the batch's log segment. Usage stays exact after
   * the decision, and late spans of one trace that come in many requests make one ledger span per
   * sweep, not one per request.
   */
  function gatherLateUsage(tenant: string, batch: TraceBatch, segment: number | undefined): number {
    let refs = 0;
    for (const rs of batch.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans) {
          const key = traceKey(tenant, span.traceId);
          if (buffer.traces.has(key)) continue;
          const d = cache.get(key);
          if (!d) continue;
          let t = lateLedgers.get(key);
          if (!t) {
            t = {
              tenant,
              traceId: Uint8Array.from(span.traceId),
              ledger: emptyLedger(),
              d,
              links: [],
              segments: [],
            };
            lateLedgers.set(key, t);
            budget?.take(LATE_LEDGER_BYTES);
          }
          addSpanUsage(t.ledger, span, rs.resource);
          t.links.push([Uint8Array.from(span.spanId), Uint8Array.from(span.parentSpanId)]);
          if (segment !== undefined && !t.segments.includes(segment)) {
            t.segments.push(segment);
            refs++;
          }
        }
    return refs;
  }

  /** Moves the pending late ledgers to the outbox, each holding the log segments of its spans. */
  function outboxLateLedgers(): void {
    for (const t of lateLedgers.values()) {
      budget?.release(LATE_LEDGER_BYTES);
      const settled = ledgerBatch(t.traceId, t.ledger, t.d, () => t.links);
      if (settled?.counted.length) deps.countTokens?.(t.tenant, settled.counted);
      const batch = settled?.batch;
      if (!batch) {
        releaseSegments(t.segments);
        continue;
      }
      toOutbox({
        tenant: t.tenant,
        batch,
        spans: spanCount(batch),
        bytes: requestSize(batch),
        segments: t.segments,
      });
    }
    lateLedgers.clear();
  }

  /**
   * The batch's late spans to keep, one stamped batch per trace: those of traces decided "keep", and
   * error and rating spans even of a trace decided "drop" (decided early or before they arrived): they
   * are kept alone, as head sampling would, rather than lost.
   */
  function lateKeptBatches(
    tenant: string,
    batch: TraceBatch,
    policy: CompiledPolicy,
  ): { batch: TraceBatch; spans: number }[] {
    const byTrace = new Map<string, { stamp: Stamp; batch: TraceBatch; spans: number }>();
    for (const rs of batch.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans) {
          const key = traceKey(tenant, span.traceId);
          if (buffer.traces.has(key)) continue; // buffered above: not late
          let d = cache.get(key);
          if (!d) continue;
          // A rating of a dropped trace brings the whole trace back while it is in the rescue store.
          if (!d.keep && isRating(span)) {
            if (rescueTrace(tenant, key)) d = cache.get(key) as TraceDecision;
            else tm.ratingsTooLate.inc({ tenant });
          }
          let stamp: Stamp | undefined = d.keep ? d : undefined;
          if (!stamp && policy.keepErrors && isError(span)) stamp = { threshold: 0n, rule: 'keep-errors' };
          if (!stamp && isRating(span)) stamp = { threshold: 0n, rule: 'keep-ratings' };
          if (!stamp) continue;
          const group = `${key}/${stamp.rule}`;
          let t = byTrace.get(group);
          if (!t) {
            t = { stamp, batch: { resourceSpans: [] }, spans: 0 };
            byTrace.set(group, t);
          }
          let out = t.batch.resourceSpans.find((r) => r.resource === rs.resource);
          if (!out) {
            out = { resource: rs.resource, scopeSpans: [], schemaUrl: rs.schemaUrl };
            t.batch.resourceSpans.push(out);
          }
          let outScope = out.scopeSpans.find((x) => x.scope === ss.scope);
          if (!outScope) {
            outScope = { scope: ss.scope, spans: [], schemaUrl: ss.schemaUrl };
            out.scopeSpans.push(outScope);
          }
          outScope.spans.push(span);
          t.spans++;
        }
    return [...byTrace.values()].map((t) => {
      stampBatch(t.batch, t.stamp);
      return { batch: t.batch, spans: t.spans };
    });
  }

  return {
    makeRoom(bytes) {
      if (!budget || budget.fits(bytes)) return true;
      let decided = false;
      for (const trace of [...buffer.traces.values()]) {
        if (budget.fits(bytes)) break;
        if (handingOff.has(trace)) continue;
        decide(trace, 'memory');
        decided = true;
      }
      if (decided || lateLedgers.size) {
        outboxLedgers();
        outboxLateLedgers();
        gauges();
        void flushOutbox();
      }
      return budget.fits(bytes);
    },
    add,
    replay(tenant, request, segment) {
      add(tenant, decodeTraceRequest(request), segment);
    },
    sweep,
    async flush() {
      for (const trace of [...buffer.traces.values()]) decide(trace, 'flush');
      outboxLedgers();
      outboxLateLedgers();
      gauges();
      await flushOutbox();
    },
    async handOff(ownerOf, send) {
      const moving: Promise<number>[] = [];
      for (const trace of buffer.traces.values()) {
        if (handingOff.has(trace)) continue;
        const peer = ownerOf(trace.traceId);
        if (!peer) continue;
        handingOff.add(trace);
        // What is sent: the groups buffered so far (spans arriving meanwhile make new groups).
        const groups = trace.groups.length;
        const spans = trace.groups.reduce((n, g) => n + g.spans.length, 0);
        const batch = bufferedBatch(trace.groups);
        moving.push(
          send(peer, trace.tenant, batch, spans)
            .then(
              () => {
                if (buffer.traces.get(trace.key) === trace) {
                  budget?.release(buffer.dropGroups(trace, groups));
                  if (trace.groups.length === 0) {
                    buffer.remove(trace);
                    budget?.release(trace.bytes);
                    releaseSegments(trace.segments);
                  }
                }
                tm.handedOff.inc({ tenant: trace.tenant }, spans);
                return spans;
              },
              () => 0, // the owner did not take it: still buffered here, tried again next time
            )
            .finally(() => handingOff.delete(trace)),
        );
      }
      const n = (await Promise.all(moving)).reduce((a, b) => a + b, 0);
      gauges();
      return n;
    },
    decisionsOwnedElsewhere(ownerOf) {
      const out = new Map<string, { peer: Peer; items: HandedDecision[] }>();
      for (const [key, decision] of cache.entries()) {
        const slash = key.lastIndexOf('/');
        const traceId = key.slice(slash + 1);
        const peer = ownerOf(Buffer.from(traceId, 'hex'));
        if (!peer) continue;
        let to = out.get(peer.id);
        if (!to) {
          to = { peer, items: [] };
          out.set(peer.id, to);
        }
        to.items.push({ tenant: key.slice(0, slash), traceId, decision });
      }
      return out;
    },
    adoptDecisions(items) {
      let taken = 0;
      for (const { tenant, traceId, decision } of items) {
        const key = traceKey(tenant, Buffer.from(traceId, 'hex'));
        const buffered = buffer.traces.get(key);
        if (buffered && decision.keep && !handingOff.has(buffered)) {
          decide(buffered, 'handed_keep', decision);
          taken++;
          continue;
        }
        if (buffered || cache.get(key)) continue;
        cache.set(key, decision);
        taken++;
      }
      afterDecisions();
      return taken;
    },
    decisionOf(tenant, traceId) {
      return cache.get(traceKey(tenant, traceId));
    },
    get bufferedTraces() {
      return buffer.traces.size;
    },
    async close(decideAll, deadlineMs) {
      closed = true;
      clearInterval(timer);
      if (decideAll) for (const trace of [...buffer.traces.values()]) decide(trace, 'shutdown');
      else if (buffer.traces.size)
        log.info(
          { traces: buffer.traces.size, spans: buffer.spans },
          'undecided traces stay in the write-ahead log and are decided after the next start',
        );
      outboxLedgers();
      outboxLateLedgers();
      await flushOutbox();
      while (outbox.length && now() < deadlineMs) {
        await new Promise((r) => setTimeout(r, 50));
        await flushOutbox();
      }
      const left = outbox.reduce((n, it) => n + it.spans, 0);
      if (left && !wal)
        for (const it of outbox)
          metrics.spansExportFailed.inc({ tenant: it.tenant, reason: 'shutdown_deadline' }, it.spans);
      cache.clear();
      deps.rescue?.close();
      gauges();
      return left;
    },
  };
}
