// The bounded export queue between the pipeline and a sink. Accepted spans wait here, grouped into
// per-tenant batches by size and age, and stay counted against the bound until the sink has taken
// them, so a slow or down store turns into back-pressure on clients (offer() says no) rather than
// loss. Retries back off exponentially with jitter. The interface is what a disk-spilling queue would
// implement too.
import type { Logger } from 'pino';
import type { ExporterConfig } from '../config/schema.ts';
import type { Metrics } from '../metrics.ts';
import type { TraceBatch } from '../otlp/model.ts';
import type { SpanSink } from './sink.ts';

export interface ExportQueue {
  /** Takes the batch (true) or refuses it because the queue is full (false). Never drops. */
  offer(tenant: string, batch: TraceBatch, spans: number): boolean;
  /** Spans waiting or in flight. */
  readonly depth: number;
  /** A wait that is worth suggesting to refused clients, from how the sink is doing. */
  retryAfterMs(): number;
  /** Sends everything now and waits until the queue is empty or the deadline passes; returns spans left. */
  drain(deadlineMs: number): Promise<number>;
}

interface Item {
  batch: TraceBatch;
  spans: number;
  at: number;
}

export interface QueueDeps {
  sink: SpanSink;
  config: Pick<
    ExporterConfig,
    'maxBatchSpans' | 'maxBatchDelayMs' | 'queueMaxSpans' | 'retryInitialMs' | 'retryMaxMs'
  >;
  metrics: Metrics;
  log: Logger;
}

/** Concurrent exports in flight. */
const CONCURRENCY = 4;

export function createExportQueue(deps: QueueDeps): ExportQueue {
  const { sink, config, metrics, log } = deps;
  const pending = new Map<string, Item[]>(); // per tenant, oldest first
  let depth = 0;
  let inFlight = 0;
  let draining = false;
  let backoffMs = 0;
  let timer: NodeJS.Timeout | undefined;
  const idleWaiters = new Set<() => void>();

  const setDepth = (d: number) => {
    depth = d;
    metrics.queueSpans.set(d);
    if (d === 0) for (const w of idleWaiters) w();
  };

  function takeBatch(tenant: string, items: Item[]): Item[] {
    const out: Item[] = [];
    let n = 0;
    while (items.length && (out.length === 0 || n + (items[0] as Item).spans <= config.maxBatchSpans)) {
      const it = items.shift() as Item;
      out.push(it);
      n += it.spans;
    }
    if (!items.length) pending.delete(tenant);
    return out;
  }

  function ready(items: Item[], t: number): boolean {
    if (draining) return true;
    let n = 0;
    for (const it of items) n += it.spans;
    return n >= config.maxBatchSpans || t - (items[0] as Item).at >= config.maxBatchDelayMs;
  }

  function schedule(): void {
    const t = Date.now();
    for (const [tenant, items] of pending) {
      if (inFlight >= CONCURRENCY) break;
      if (backoffMs > 0 && !draining) break;
      if (ready(items, t)) void send(tenant, takeBatch(tenant, items));
    }
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.size && inFlight < CONCURRENCY) {
      const wait = backoffMs > 0 ? backoffMs : config.maxBatchDelayMs;
      timer = setTimeout(() => {
        backoffMs = 0;
        schedule();
      }, wait);
      timer.unref();
    }
  }

  async function send(tenant: string, items: Item[]): Promise<void> {
    inFlight++;
    const spans = items.reduce((n, it) => n + it.spans, 0);
    const batch: TraceBatch = { resourceSpans: items.flatMap((it) => it.batch.resourceSpans) };
    let delay = config.retryInitialMs;
    try {
      while (true) {
        const result = await sink.export(tenant, batch);
        if (result.kind === 'success') {
          const rejected = result.partial?.rejectedSpans ?? 0;
          metrics.spansExported.inc({ tenant }, spans - rejected);
          if (rejected) {
            metrics.spansExportFailed.inc({ tenant, reason: 'partial_success' }, rejected);
            log.warn(
              { tenant, rejected, reason: result.partial?.errorMessage },
              'storage rejected part of a batch',
            );
          }
          backoffMs = 0;
          return;
        }
        if (result.kind === 'failure') {
          metrics.spansExportFailed.inc({ tenant, reason: 'permanent' }, spans);
          log.error(
            { tenant, spans, reason: result.reason },
            'storage refused a batch permanently; its spans are dropped',
          );
          return;
        }
        metrics.exportRetries.inc({ tenant });
        const wait = Math.min(config.retryMaxMs, result.retryAfterMs ?? delay) * (0.8 + Math.random() * 0.4);
        backoffMs = wait;
        log.warn(
          { tenant, spans, reason: result.reason, retryInMs: Math.round(wait) },
          'export failed; will retry',
        );
        if (draining && drainDeadline <= Date.now()) {
          leftOver += spans;
          metrics.spansExportFailed.inc({ tenant, reason: 'shutdown_deadline' }, spans);
          log.error({ tenant, spans }, 'shutdown deadline passed before storage took these spans');
          return;
        }
        await new Promise((r) =>
          setTimeout(r, Math.min(wait, draining ? Math.max(0, drainDeadline - Date.now()) : wait)),
        );
        delay = Math.min(config.retryMaxMs, delay * 2);
      }
    } finally {
      inFlight--;
      setDepth(depth - spans);
      schedule();
    }
  }

  let drainDeadline = Number.POSITIVE_INFINITY;
  let leftOver = 0;

  return {
    get depth() {
      return depth;
    },
    offer(tenant, batch, spans) {
      if (spans === 0) return true;
      if (draining || depth + spans > config.queueMaxSpans) return false;
      let items = pending.get(tenant);
      if (!items) {
        items = [];
        pending.set(tenant, items);
      }
      items.push({ batch, spans, at: Date.now() });
      setDepth(depth + spans);
      if (!timer || ready(items, Date.now())) schedule();
      return true;
    },
    retryAfterMs() {
      return Math.max(1000, Math.min(config.retryMaxMs, backoffMs || config.retryInitialMs * 4));
    },
    async drain(deadlineMs) {
      draining = true;
      drainDeadline = deadlineMs;
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
      return depth + leftOver;
    },
  };
}
