// The bounded export queue between the pipeline and a sink. Accepted spans wait here in per-tenant
// queues, are sent in batches capped in spans and in bytes (a receiver refuses messages over its
// limit), and stay counted against the bound until the sink has taken them, so a slow or down store
// turns into back-pressure on clients (offer() says no) rather than loss.
//
// Tenants are isolated: a failed export goes back to the head of its tenant's queue and only that
// tenant waits out the back-off (no export slot is held while waiting); a tenant may fill at most
// half of the queue; a batch storage refuses permanently goes to the dead-letter area; one too large
// for the receiver is split. So one tenant's bad data or rejected batches never slow another's.
import type { Logger } from 'pino';
import type { ExporterConfig } from '../config/schema.ts';
import type { BufferPool, Lease } from '../memory/buffer-pool.ts';
import type { ByteBudget } from '../memory/byte-budget.ts';
import type { Metrics } from '../metrics.ts';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import {
  type EncodedRequest,
  encodedRequest,
  encodeTraceRequestParts,
  joinRequests,
  requestSize,
} from '../otlp/encode-proto.ts';
import { spanCount, type TraceBatch } from '../otlp/model.ts';
import type { DeadLetter } from './dead-letter.ts';
import type { ExportResult, SpanSink } from './sink.ts';
import { splitBatch } from './split.ts';

/** Room held in the queue for spans on their way in (being written to the write-ahead log). */
export interface Reservation {
  /**
   * Queues the batch; `segment` is the write-ahead-log segment holding it (its reference passes on),
   * `request` the batch already encoded as an export request (kept instead of the decoded batch).
   */
  commit(batch: TraceBatch, segment?: number, request?: EncodedRequest): void;
  cancel(): void;
}

/** What the queue needs of the write-ahead log: references on the segments its items are kept in. */
export interface SegmentRefs {
  ref(segment: number, n: number): void;
  release(segment: number): void;
}

export interface ExportQueue {
  /**
   * Holds room for the spans (and their bytes, against the memory budget), or refuses (undefined)
   * because the queue, the tenant's share or the budget is full.
   */
  reserve(tenant: string, spans: number, bytes: number): Reservation | undefined;
  /** Whether reserve would hold room for these now (a check; nothing is held). */
  hasRoom(tenant: string, spans: number, bytes: number): boolean;
  /** reserve + commit in one step (re-driven dead letters): true when taken. */
  offer(tenant: string, batch: TraceBatch, spans: number): boolean;
  /** Takes back what an earlier run left in the write-ahead log (an encoded request), whatever the limits. */
  replay(tenant: string, request: Buffer, spans: number, segment: number): void;
  /** Spans waiting or in flight. */
  readonly depth: number;
  /**
   * The export request a batch is committed as, when it is worth encoding now: for the write-ahead
   * log (`logged`), or because the sink sends bytes — the batch then leaves as those bytes, neither
   * encoded again at export nor kept decoded while it waits (far less memory for LLM spans).
   */
  requestFor(batch: TraceBatch, logged: boolean): EncodedRequest | undefined;
  /** A wait worth suggesting to the tenant's refused clients, from how its exports are doing. */
  retryAfterMs(tenant: string): number;
  /** Sends everything now and waits until the queue is empty or the deadline passes; returns spans left. */
  drain(deadlineMs: number): Promise<number>;
}

interface Item {
  /**
   * The spans, decoded, or (`encoded`) the export request they make: an item that arrives encoded
   * (written to the write-ahead log) keeps only those bytes, and is decoded only if a batch of it is
   * needed (the embedded store, a split, a dead letter).
   */
  batch?: TraceBatch;
  encoded?: EncodedRequest;
  spans: number;
  bytes: number;
  at: number;
  /** Write-ahead-log segments holding these spans; the item holds one reference on each. */
  segments: number[];
  /** Pooled buffers (request bodies) the encoded bytes view; the item holds each until it leaves. */
  leases?: Lease[];
}

interface TenantQueue {
  items: Item[];
  /** Spans of this tenant waiting or in flight. */
  spans: number;
  /** No export of this tenant before this time (back-off after a failure). */
  retryAt: number;
  /** The next back-off, doubled on each failure in a row. */
  delayMs: number;
}

export interface QueueDeps {
  sink: SpanSink;
  config: Pick<
    ExporterConfig,
    'maxBatchSpans' | 'maxBatchBytes' | 'maxBatchDelayMs' | 'queueMaxSpans' | 'retryInitialMs' | 'retryMaxMs'
  >;
  metrics: Metrics;
  log: Logger;
  /** Where permanently refused batches go; without one they are counted and logged as lost. */
  deadLetter?: DeadLetter;
  /** How many tenants may send (the config in force): with more than one, none may fill over half. */
  tenantCount?: () => number;
  /** The write-ahead log, when there is one: items release their segments when they leave. */
  wal?: SegmentRefs;
  /** The ingester's memory budget: queued items hold their bytes of it. */
  budget?: ByteBudget;
  /**
   * The pool request bodies are read into. With one, every item is kept encoded and holds the leases
   * its bytes view, so no body goes back to the pool while a queued span still reads from it.
   */
  pool?: BufferPool;
}

/** Concurrent exports in flight. */
const CONCURRENCY = 4;
/** The most of the queue one tenant may fill when there are others. */
const TENANT_SHARE = 0.5;

const jitter = (ms: number) => ms * (0.8 + Math.random() * 0.4);

export function createExportQueue(deps: QueueDeps): ExportQueue {
  const { sink, config, metrics, log } = deps;
  const tenants = new Map<string, TenantQueue>(); // round-robin order: a tenant moves last after sending
  let depth = 0;
  let inFlight = 0;
  let draining = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  const idleWaiters = new Set<() => void>();
  const tenantMax = () =>
    (deps.tenantCount?.() ?? 2) > 1 ? Math.floor(config.queueMaxSpans * TENANT_SHARE) : config.queueMaxSpans;
  // The byte cap in force: maxBatchBytes, lowered for good when the receiver refuses a batch for its
  // size (so parts of a split are not joined again into what it refused).
  let batchBytes = config.maxBatchBytes;

  const spansFit = (tenant: string, spans: number) =>
    !draining &&
    depth + spans <= config.queueMaxSpans &&
    (tenants.get(tenant)?.spans ?? 0) + spans <= tenantMax();

  const queueOf = (tenant: string): TenantQueue => {
    let q = tenants.get(tenant);
    if (!q) {
      q = { items: [], spans: 0, retryAt: 0, delayMs: config.retryInitialMs };
      tenants.set(tenant, q);
    }
    return q;
  };

  /** Items let go of what they hold: their log segments, their bytes of the budget, their leases. */
  const letGo = (items: readonly Item[]) => {
    for (const it of items) {
      if (deps.wal) for (const s of it.segments) deps.wal.release(s);
      deps.budget?.release(it.bytes);
      if (it.leases) for (const l of it.leases) l.release();
    }
  };

  /** The pool's leases the parts view, each held once more (for an item, until it leaves). */
  const holdLeases = (parts: readonly Uint8Array[]): Lease[] | undefined => {
    if (!deps.pool) return undefined;
    const leases: Lease[] = [];
    for (const p of parts) {
      const lease = deps.pool.leaseOf(p.buffer);
      if (!lease || leases.includes(lease)) continue;
      lease.hold();
      leases.push(lease);
    }
    return leases.length ? leases : undefined;
  };

  /** An item of encoded bytes; it holds its bytes of the budget and its leases until it leaves. */
  const encodedItem = (encoded: EncodedRequest, spans: number, at: number, segments: number[]): Item => {
    deps.budget?.take(encoded.length);
    const leases = holdLeases(encoded.parts);
    return leases
      ? { encoded, spans, bytes: encoded.length, at, segments, leases }
      : { encoded, spans, bytes: encoded.length, at, segments };
  };

  /** Items leave the queue: delivered or dead-lettered (counted by the caller); the log may forget them. */
  const release = (tenant: string, items: readonly Item[]) => {
    letGo(items);
    leave(
      tenant,
      items.reduce((n, it) => n + it.spans, 0),
    );
  };

  const leave = (tenant: string, spans: number) => {
    const q = tenants.get(tenant);
    if (q) {
      q.spans -= spans;
      if (q.spans === 0 && q.items.length === 0) tenants.delete(tenant);
    }
    depth -= spans;
    metrics.queueSpans.set(depth);
    if (depth === 0) for (const w of idleWaiters) w();
  };

  /** A queued item; it holds its bytes of the budget until it leaves. With a pool, kept encoded. */
  const item = (
    batch: TraceBatch,
    spans: number,
    at: number,
    segments: number[],
    bytes = requestSize(batch),
  ): Item => {
    if (deps.pool) return encodedItem(encodeTraceRequestParts(batch), spans, at, segments);
    deps.budget?.take(bytes);
    return { batch, spans, bytes, at, segments };
  };

  /**
   * The items' spans as one batch (decoding those kept encoded). Bytes viewing pooled buffers are
   * copied first: the batch may outlive the item (a sink keeps it, a dead letter, a split).
   */
  const decodedOf = (it: Item): TraceBatch => {
    if (it.batch) return it.batch;
    const encoded = it.encoded as EncodedRequest;
    it.batch = decodeTraceRequest(
      it.leases ? Buffer.concat(encoded.parts, encoded.length) : joinRequests([encoded]),
    );
    return it.batch;
  };
  const batchOf = (items: readonly Item[]): TraceBatch => ({
    resourceSpans: items.flatMap((it) => decodedOf(it).resourceSpans),
  });

  /**
   * Items for an incoming batch, cut so that each fits one export. Every item holds a reference on
   * each segment; the caller brought one reference per segment, the rest are taken here.
   */
  function itemsOf(batch: TraceBatch, spans: number, segments: number[], encoded?: EncodedRequest): Item[] {
    const now = Date.now();
    if (encoded && encoded.length <= batchBytes) return [encodedItem(encoded, spans, now, segments)];
    const bytes = requestSize(batch);
    if (bytes <= batchBytes) return [item(batch, spans, now, segments, bytes)];
    const parts = splitBatch(batch, batchBytes).map((p) => item(p, spanCount(p), now, segments));
    for (const s of segments) deps.wal?.ref(s, parts.length - 1);
    return parts;
  }

  function enqueue(tenant: string, items: Item[]): void {
    queueOf(tenant).items.push(...items);
    schedule();
  }

  /** Counts spans in before they are queued: the room a reservation holds. */
  function hold(tenant: string, spans: number): void {
    queueOf(tenant).spans += spans;
    depth += spans;
    metrics.queueSpans.set(depth);
  }

  /** Items from the head of the queue up to the batch limits (at least one). */
  function takeBatch(q: TenantQueue): Item[] {
    const out: Item[] = [];
    let spans = 0;
    let bytes = 0;
    while (q.items.length) {
      const next = q.items[0] as Item;
      if (out.length && (spans + next.spans > config.maxBatchSpans || bytes + next.bytes > batchBytes)) break;
      out.push(q.items.shift() as Item);
      spans += next.spans;
      bytes += next.bytes;
    }
    return out;
  }

  /** When the tenant's head batch may go: now (0 or less), or in how many ms. */
  function dueIn(q: TenantQueue, now: number): number {
    if (!q.items.length) return Number.POSITIVE_INFINITY;
    if (q.retryAt > now) return q.retryAt - now;
    if (draining) return 0;
    let spans = 0;
    let bytes = 0;
    for (const it of q.items) {
      spans += it.spans;
      bytes += it.bytes;
      if (spans >= config.maxBatchSpans || bytes >= batchBytes) return 0;
    }
    return (q.items[0] as Item).at + config.maxBatchDelayMs - now;
  }

  function schedule(): void {
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    let sent = true;
    // Round-robin: each pass sends at most one batch per tenant, until the slots are used.
    while (sent && inFlight < CONCURRENCY) {
      sent = false;
      for (const [tenant, q] of [...tenants]) {
        if (inFlight >= CONCURRENCY) break;
        const wait = dueIn(q, now);
        if (wait > 0) {
          next = Math.min(next, wait);
          continue;
        }
        tenants.delete(tenant);
        tenants.set(tenant, q);
        void send(tenant, q, takeBatch(q));
        sent = true;
      }
    }
    if (inFlight >= CONCURRENCY || next === Number.POSITIVE_INFINITY) return;
    const at = now + Math.max(1, next);
    if (timer && timerAt <= at) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
      schedule();
    }, at - now);
    timer.unref();
  }

  /** Puts items back at the head of the tenant's queue, in order (a retry or the parts of a split). */
  const requeue = (q: TenantQueue, items: Item[]) => q.items.unshift(...items);

  function deadLetter(tenant: string, batch: TraceBatch, spans: number, reason: string): void {
    if (deps.deadLetter?.put(tenant, batch, reason)) {
      metrics.spansDeadLettered.inc({ tenant }, spans);
      log.error(
        { tenant, spans, reason },
        'storage refused a batch permanently; kept in the dead-letter area',
      );
    } else {
      metrics.spansExportFailed.inc({ tenant, reason: 'permanent' }, spans);
      log.error(
        { tenant, spans, reason, deadLetter: deps.deadLetter ? 'write failed' : 'not configured' },
        'storage refused a batch permanently; its spans are lost',
      );
    }
  }

  async function send(tenant: string, q: TenantQueue, items: Item[]): Promise<void> {
    inFlight++;
    const spans = items.reduce((n, it) => n + it.spans, 0);
    // Items kept encoded go out as the bytes they are: requests concatenated are one request.
    const encoded =
      sink.exportEncoded && items.every((it) => it.encoded)
        ? items.map((it) => it.encoded as EncodedRequest)
        : undefined;
    let decoded: TraceBatch | undefined;
    const batch = () => {
      decoded ??= batchOf(items);
      return decoded;
    };
    try {
      const result: ExportResult = await (encoded && sink.exportEncoded
        ? sink.exportEncoded(tenant, encoded)
        : sink.export(tenant, batch())
      ).catch((err: Error) => ({ kind: 'retryable', reason: `sink threw: ${err.message}` }));
      switch (result.kind) {
        case 'success': {
          const rejected = result.partial?.rejectedSpans ?? 0;
          const refused = result.refused ? spanCount(result.refused.batch) : 0;
          metrics.spansExported.inc({ tenant }, spans - rejected - refused);
          if (rejected) {
            metrics.spansExportFailed.inc({ tenant, reason: 'partial_success' }, rejected);
            log.warn(
              { tenant, rejected, reason: result.partial?.errorMessage },
              'storage rejected part of a batch',
            );
          }
          if (result.refused) deadLetter(tenant, result.refused.batch, refused, result.refused.reason);
          q.delayMs = config.retryInitialMs;
          release(tenant, items);
          return;
        }
        case 'failure':
          deadLetter(tenant, batch(), spans, result.reason);
          release(tenant, items);
          return;
        case 'tooLarge': {
          const whole = batch();
          batchBytes = Math.max(1024, Math.min(batchBytes, Math.floor(requestSize(whole) / 2)));
          const parts = spans > 1 ? splitBatch(whole, batchBytes) : [];
          if (parts.length < 2) {
            deadLetter(
              tenant,
              whole,
              spans,
              `a single span larger than the receiver takes: ${result.reason}`,
            );
            release(tenant, items);
            return;
          }
          log.warn(
            { tenant, spans, parts: parts.length, reason: result.reason, batchBytes },
            "the receiver refused a batch as too large; sending smaller batches (set exporter.maxBatchBytes under the receiver's limit)",
          );
          // Each part is kept by every segment the batch's items were; then the items let go.
          const now = Date.now();
          const segments = [...new Set(items.flatMap((it) => it.segments))];
          for (const s of segments) deps.wal?.ref(s, parts.length);
          letGo(items);
          requeue(
            q,
            parts.map((p) => item(p, spanCount(p), now, segments)),
          );
          return;
        }
        case 'retryable': {
          metrics.exportRetries.inc({ tenant });
          // A receiver's RetryInfo is honoured in full (never earlier: jitter only adds); without one,
          // our own exponential back-off with jitter.
          const wait =
            result.retryAfterMs !== undefined
              ? result.retryAfterMs * (1 + Math.random() * 0.2)
              : jitter(Math.min(config.retryMaxMs, q.delayMs));
          q.retryAt = Date.now() + wait;
          q.delayMs = Math.min(config.retryMaxMs, q.delayMs * 2);
          log.warn(
            { tenant, spans, reason: result.reason, retryInMs: Math.round(wait) },
            'export failed; will retry',
          );
          requeue(q, items);
          return;
        }
      }
    } finally {
      inFlight--;
      schedule();
    }
  }

  return {
    requestFor: (batch, logged) =>
      logged || sink.exportEncoded !== undefined || deps.pool ? encodeTraceRequestParts(batch) : undefined,
    get depth() {
      return depth;
    },
    hasRoom(tenant, spans, bytes) {
      return spansFit(tenant, spans) && (deps.budget?.fits(bytes) ?? true);
    },
    reserve(tenant, spans, bytes) {
      if (!spansFit(tenant, spans)) return undefined;
      if (deps.budget && !deps.budget.tryTake(bytes)) return undefined;
      hold(tenant, spans);
      let open = true;
      // The reserved bytes pass to the items made on commit (which take their own exact share).
      const close = () => {
        open = false;
        deps.budget?.release(bytes);
      };
      return {
        commit(batch, segment, request) {
          if (!open) return;
          close();
          enqueue(tenant, itemsOf(batch, spans, segment === undefined ? [] : [segment], request));
        },
        cancel() {
          if (!open) return;
          close();
          leave(tenant, spans);
        },
      };
    },
    offer(tenant, batch, spans) {
      if (spans === 0) return true;
      const r = this.reserve(tenant, spans, requestSize(batch));
      r?.commit(batch);
      return r !== undefined;
    },
    replay(tenant, request, spans, segment) {
      hold(tenant, spans);
      // A request larger than one export is decoded to be cut; others stay bytes.
      const batch = request.length > batchBytes ? decodeTraceRequest(request) : { resourceSpans: [] };
      enqueue(tenant, itemsOf(batch, spans, [segment], encodedRequest(request)));
    },
    retryAfterMs(tenant) {
      const q = tenants.get(tenant);
      const backoff = q && q.retryAt > Date.now() ? q.retryAt - Date.now() : config.retryInitialMs * 4;
      return Math.max(1000, Math.min(config.retryMaxMs, backoff));
    },
    async drain(deadlineMs) {
      draining = true;
      for (const q of tenants.values()) q.retryAt = Math.min(q.retryAt, Date.now());
      schedule();
      if (depth > 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            idleWaiters.delete(done);
            clearTimeout(t);
            resolve();
          };
          const t = setTimeout(done, Math.max(0, deadlineMs - Date.now()));
          idleWaiters.add(done);
        });
      }
      if (timer) clearTimeout(timer);
      for (const [tenant, q] of tenants) {
        if (q.spans === 0) continue;
        if (deps.wal) {
          log.warn(
            { tenant, spans: q.spans },
            'not delivered before the shutdown deadline: kept in the write-ahead log for the next start',
          );
        } else {
          metrics.spansExportFailed.inc({ tenant, reason: 'shutdown_deadline' }, q.spans);
          log.error({ tenant, spans: q.spans }, 'shutdown deadline passed before storage took these spans');
        }
      }
      return depth;
    },
  };
}
