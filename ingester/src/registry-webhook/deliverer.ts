// Delivers each accepted rating to its tenant's prompt registry (TraceTenant spec.promptRegistry): the
// rating is first made durable in the outbox (the only thing a rating's acknowledgement waits for, and a
// failure there is counted, never passed on), then POSTed as signed JSON in the background, retried
// with back-off until it is delivered, refused for good (4xx other than 408/429) or too old; both of
// those are dead-lettered with one log line.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ByteBudget } from '../memory/byte-budget.ts';
import type { Metrics } from '../metrics.ts';
import type { TraceBatch } from '../otlp/model.ts';
import { type BackoffSettings, outcomeOf, parseRetryAfter, retryDelayMs } from './backoff.ts';
import { type Outbox, type OutboxEntry, type OutboxItem, openOutbox } from './outbox.ts';
import { ratingPayloads } from './payload.ts';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, signBody } from './signature.ts';

/** Where a tenant's ratings go: the URL and the file holding the signing secret (a mounted Secret). */
/** What memory holds per delivery besides its body: id, tenant, timers (an estimate, kept generous). */
const ITEM_BYTES = 256;

export interface RegistryTarget {
  url: string;
  signingSecretFile: string;
}

export interface WebhookSettings extends BackoffSettings {
  dir: string;
  maxBytes: number;
  timeoutMs: number;
  maxAgeMs: number;
  concurrency: number;
}

export interface RegistryWebhook {
  /** Puts the batch's ratings in the outbox when the tenant has a registry. Never rejects. */
  accept(tenant: string, batch: TraceBatch): Promise<void>;
  /** Stops sending; what is undelivered stays in the outbox for the next start. */
  close(): Promise<void>;
}

interface Waiting extends OutboxItem {
  /** Bytes of the memory budget it holds. */
  cost: number;
  attempts: number;
  nextAt: number;
  sending: boolean;
}

export function startRegistryWebhook(deps: {
  settings: WebhookSettings;
  targetOf: (tenant: string) => RegistryTarget | undefined;
  metrics: Metrics;
  log: Logger;
  /** The ingester's memory budget: what the outbox holds in memory counts in it. */
  budget?: ByteBudget;
  now?: () => number;
}): RegistryWebhook {
  const { settings: s, targetOf, metrics, log, budget } = deps;
  const now = deps.now ?? Date.now;
  const outbox: Outbox = openOutbox(s.dir, s.maxBytes);
  const waiting = new Map<string, Waiting>();
  const inFlight = new Set<AbortController>();
  /** Deliveries being sent now (at most settings.concurrency). */
  let sending = 0;
  let closed = false;

  // Counted as entries come and go (not recounted): a drain of a large outbox stays linear.
  const pendingPerTenant = new Map<string, number>();
  const countPending = (tenant: string, delta: number) => {
    const n = (pendingPerTenant.get(tenant) ?? 0) + delta;
    pendingPerTenant.set(tenant, n);
    metrics.registryPending.set({ tenant }, n);
  };
  const showPending = () => metrics.registryOutboxBytes.set(outbox.bytes);
  // A delivery held in memory: its item, and its body too when the outbox has no dir.
  const costOf = (body: string) => ITEM_BYTES + (outbox.inMemory ? Buffer.byteLength(body) : 0);
  const track = (e: OutboxItem, cost: number) => {
    waiting.set(e.id, { ...e, cost, attempts: 0, nextAt: now(), sending: false });
    countPending(e.tenant, 1);
  };
  for (const e of outbox.replayed) {
    budget?.take(ITEM_BYTES); // accepted before the restart: it stays, whatever the budget
    track(e, ITEM_BYTES);
  }
  if (outbox.replayed.length)
    log.info({ deliveries: outbox.replayed.length }, 'prompt-registry outbox: undelivered ratings resumed');
  showPending();

  async function finish(w: Waiting, deadReason?: string, detail?: string) {
    waiting.delete(w.id);
    budget?.release(w.cost);
    countPending(w.tenant, -1);
    sending--;
    try {
      if (deadReason) await outbox.deadLetter(w.id, detail ? `${deadReason}: ${detail}` : deadReason);
      else await outbox.remove(w.id);
    } catch (err) {
      log.error({ err, id: w.id }, 'prompt-registry outbox: could not update the delivery file');
    }
    if (deadReason) {
      metrics.registryDeadLettered.inc({ tenant: w.tenant, reason: deadReason });
      log.warn(
        { tenant: w.tenant, id: w.id, reason: deadReason, detail },
        'prompt-registry delivery dead-lettered',
      );
    } else metrics.registryDelivered.inc({ tenant: w.tenant });
    showPending();
  }

  async function send(w: Waiting) {
    const target = targetOf(w.tenant);
    if (!target) return finish(w, 'no_registry', 'the tenant no longer has a prompt registry');
    let retryAfter: number | undefined;
    let failure: string;
    const abort = new AbortController();
    inFlight.add(abort);
    const timer = setTimeout(() => abort.abort(), s.timeoutMs);
    try {
      const secret = readFileSync(target.signingSecretFile, 'utf8').trim();
      const body = await outbox.body(w.id);
      const res = await fetch(target.url, {
        method: 'POST',
        body,
        signal: abort.signal,
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'koder-trace-ingester',
          [SIGNATURE_HEADER]: signBody(secret, Math.floor(now() / 1000), body),
          [DELIVERY_ID_HEADER]: w.id,
        },
      });
      await res.arrayBuffer().catch(() => undefined);
      const outcome = outcomeOf(res.status);
      if (outcome === 'delivered') return finish(w);
      if (outcome === 'permanent') return finish(w, 'refused', `HTTP ${res.status}`);
      retryAfter = parseRetryAfter(res.headers.get('retry-after'), now());
      failure = `HTTP ${res.status}`;
    } catch (err) {
      failure = abort.signal.aborted ? `no answer within ${s.timeoutMs} ms` : (err as Error).message;
    } finally {
      clearTimeout(timer);
      inFlight.delete(abort);
    }
    if (closed) return;
    if (now() - w.acceptedAt > s.maxAgeMs) return finish(w, 'expired', failure);
    w.attempts++;
    w.nextAt = now() + retryDelayMs(w.attempts, s, Math.random(), retryAfter);
    w.sending = false;
    sending--;
    metrics.registryRetries.inc({ tenant: w.tenant });
    if (w.attempts === 1)
      log.info({ tenant: w.tenant, id: w.id, failure }, 'prompt-registry delivery retried');
  }

  const tick = () => {
    if (closed || sending >= s.concurrency) return;
    const t = now();
    for (const w of waiting.values()) {
      if (sending >= s.concurrency) break;
      if (w.sending || w.nextAt > t) continue;
      w.sending = true;
      sending++;
      send(w).catch((err) => {
        w.sending = false;
        sending--;
        log.error({ err, id: w.id }, 'prompt-registry delivery failed unexpectedly; retried');
      });
    }
  };
  const timer = setInterval(tick, 100);
  timer.unref();

  return {
    async accept(tenant, batch) {
      if (!targetOf(tenant)) return;
      for (const p of ratingPayloads(tenant, batch)) {
        const entry: OutboxEntry = { id: p.id, tenant, body: JSON.stringify(p), acceptedAt: now() };
        if (waiting.has(entry.id)) continue;
        const cost = costOf(entry.body);
        if (budget && !budget.tryTake(cost)) {
          metrics.registryRefused.inc({ tenant, reason: 'memory' });
          log.error(
            { tenant, id: entry.id },
            'prompt-registry delivery not accepted: the memory budget is full',
          );
          continue;
        }
        try {
          track(await outbox.add(entry), cost);
        } catch (err) {
          budget?.release(cost);
          metrics.registryRefused.inc({ tenant, reason: /outbox full/.test(String(err)) ? 'full' : 'disk' });
          log.error({ err, tenant, id: entry.id }, 'prompt-registry delivery not accepted into the outbox');
        }
      }
      showPending();
      tick();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      for (const a of inFlight) a.abort();
    },
  };
}
