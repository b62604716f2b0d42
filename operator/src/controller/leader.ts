// Leader election on a coordination.k8s.io Lease, so two operator replicas never both write. The
// holder renews every `renewMs`; another replica takes over only after `leaseMs` without renewal.
// Updates go through the Lease's resourceVersion, so two candidates cannot both win a race.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ApiError, microTime, rawJson } from './raw-json.ts';

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
  isLeader(): boolean;
  stop(): Promise<void>;
}

export function startLeaderElection(
  kc: KubeConfig,
  opts: { namespace: string; name: string; identity: string; leaseMs?: number; renewMs?: number },
  callbacks: { onStartedLeading: () => void; onStoppedLeading?: () => void },
  log: Logger,
): LeaderElection {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${opts.namespace}/leases`;
  const leaseMs = opts.leaseMs ?? 15_000;
  const renewMs = opts.renewMs ?? 5_000;
  let leader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

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

  async function tryAcquire(): Promise<boolean> {
    const now = new Date();
    let lease: Lease;
    try {
      lease = await rawJson<Lease>(kc, 'GET', `${collection}/${opts.name}`);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 404) throw err;
      await rawJson(kc, 'POST', collection, desired(undefined, now));
      return true;
    }
    const holder = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const expired = renewed + (lease.spec?.leaseDurationSeconds ?? 15) * 1000 < now.getTime();
    if (holder && holder !== opts.identity && !expired) return false;
    await rawJson(kc, 'PUT', `${collection}/${opts.name}`, desired(lease, now));
    return true;
  }

  async function tick(): Promise<void> {
    let won = false;
    try {
      won = await tryAcquire();
    } catch (err) {
      // A conflict means someone else updated the Lease first; any error means we cannot be sure.
      log.debug({ err: String(err) }, 'lease not acquired');
    }
    if (won && !leader) {
      leader = true;
      log.info({ identity: opts.identity }, 'became leader');
      callbacks.onStartedLeading();
    } else if (!won && leader) {
      leader = false;
      log.warn({ identity: opts.identity }, 'lost leadership');
      callbacks.onStoppedLeading?.();
    }
    if (!stopped) timer = setTimeout(() => void tick(), leader ? renewMs : renewMs / 2);
  }
  void tick();

  return {
    isLeader: () => leader,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (leader) {
        leader = false;
        callbacks.onStoppedLeading?.();
      }
    },
  };
}
