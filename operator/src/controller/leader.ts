// Leader election on a coordination.k8s.io Lease, so two operator replicas never both write, in the
// manner of client-go's leaderelection:
// - The holder renews every `retryMs`. It is the leader only while its last successful renewal is
//   younger than `renewDeadlineMs` by its own monotonic clock, so a replica that was paused (SIGSTOP,
//   a long GC, a partition) stops writing the moment it resumes, before it has even asked the Lease.
//   Callers check isLeader() right before each write.
// - Skew-tolerant: another holder's Lease counts as expired only after it has not changed (holder,
//   renewTime, resourceVersion) for `leaseMs` of *our* monotonic clock since we first saw it so. The
//   timestamps inside the Lease, written with the holder's clock, are never compared with ours.
// - Updates go through the Lease's resourceVersion, so two candidates cannot both win a race.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ApiError, microTime, rawJson, rawWrite } from './raw-json.ts';

interface Lease {
  metadata?: { resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderElection {
  /** True only while this replica holds the Lease and renewed it within the renew deadline. */
  isLeader(): boolean;
  stop(): Promise<void>;
}

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  /** How long others wait, after the Lease last changed, before taking it (default 15 s). */
  leaseMs?: number;
  /** How long the leader acts on its last renewal (default 10 s; must be below leaseMs). */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew (default 2 s). */
  retryMs?: number;
  /** Monotonic milliseconds; injectable for tests. */
  monotonicMs?: () => number;
}

export function startLeaderElection(
  kc: KubeConfig,
  opts: LeaderElectionOptions,
  callbacks: { onStartedLeading: () => void; onStoppedLeading?: () => void },
  log: Logger,
): LeaderElection {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${opts.namespace}/leases`;
  const leaseMs = opts.leaseMs ?? 15_000;
  const renewDeadlineMs = Math.min(opts.renewDeadlineMs ?? 10_000, leaseMs);
  const retryMs = opts.retryMs ?? 2_000;
  const clock = opts.monotonicMs ?? (() => performance.now());
  let renewedAt: number | undefined; // our clock, when our last renewal succeeded
  let observed: { record: string; at: number } | undefined; // the Lease as last seen changed
  let wasLeader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const leading = () => renewedAt !== undefined && clock() - renewedAt < renewDeadlineMs;

  const desired = (lease: Lease | undefined, now: Date) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: opts.name,
      namespace: opts.namespace,
      ...(lease?.metadata?.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}),
    },
    spec: {
      holderIdentity: opts.identity,
      leaseDurationSeconds: Math.ceil(leaseMs / 1000),
      acquireTime:
        lease?.spec?.holderIdentity === opts.identity && lease.spec.acquireTime
          ? lease.spec.acquireTime
          : microTime(now),
      renewTime: microTime(now),
      leaseTransitions:
        (lease?.spec?.leaseTransitions ?? 0) + (lease?.spec?.holderIdentity === opts.identity ? 0 : 1),
    },
  });

  /** True when we hold the Lease after this attempt. */
  async function tryAcquireOrRenew(): Promise<boolean> {
    const started = clock();
    let lease: Lease;
    try {
      lease = await rawJson<Lease>(kc, 'GET', `${collection}/${opts.name}`);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 404) throw err;
      await rawWrite(kc, 'POST', collection, desired(undefined, new Date()));
      renewedAt = started;
      return true;
    }
    const holder = lease.spec?.holderIdentity;
    const record = JSON.stringify([holder, lease.spec?.renewTime, lease.metadata?.resourceVersion]);
    if (observed?.record !== record) observed = { record, at: clock() };
    if (holder && holder !== opts.identity) {
      // an empty holder was handed back: free at once
      const duration = (lease.spec?.leaseDurationSeconds ?? leaseMs / 1000) * 1000;
      if (clock() - observed.at < duration) return false; // the holder renewed within its lease
    }
    await rawWrite(kc, 'PUT', `${collection}/${opts.name}`, desired(lease, new Date()));
    // Counted from before the request: the deadline never stretches by the request's duration.
    renewedAt = started;
    return true;
  }

  async function tick(): Promise<void> {
    try {
      if (!(await tryAcquireOrRenew())) renewedAt = undefined;
    } catch (err) {
      // A conflict means someone else updated the Lease first; any other error means we cannot be
      // sure. Either way, leadership lapses by itself at the renew deadline.
      log.debug({ err: String(err) }, 'lease not acquired or renewed');
    }
    if (stopped) return;
    const now = leading();
    if (now && !wasLeader) {
      wasLeader = true;
      log.info({ identity: opts.identity }, 'became leader');
      callbacks.onStartedLeading();
    } else if (!now && wasLeader) {
      wasLeader = false;
      log.warn({ identity: opts.identity }, 'lost leadership');
      callbacks.onStoppedLeading?.();
    }
    timer = setTimeout(() => void tick(), retryMs);
  }
  void tick();

  return {
    isLeader: () => !stopped && leading(),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      // Hand the Lease back, so another replica takes over at once instead of after leaseMs.
      if (leading())
        await rawJson<Lease>(kc, 'GET', `${collection}/${opts.name}`)
          .then((lease) =>
            lease.spec?.holderIdentity === opts.identity
              ? rawWrite(kc, 'PUT', `${collection}/${opts.name}`, {
                  ...lease,
                  spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 },
                })
              : undefined,
          )
          .catch((err) => log.debug({ err: String(err) }, 'lease not released'));
      renewedAt = undefined;
      if (wasLeader) {
        wasLeader = false;
        callbacks.onStoppedLeading?.();
      }
    },
  };
}
