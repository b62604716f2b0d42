// Statuses and Events, written apart from the objects: each TraceTenant's and SamplingPolicy's status
// when it differs from what the object shows, through the status subresource, with an Event when the
// Ready reason changed to a warning or back to Ready. A status just written is not written again while the cache still shows the
// object as it was before that write (the watch event is on its way).
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { API_VERSION, type Kind, PLURAL } from '../api/crds.ts';
import type { SamplingPolicy, TraceTenant } from '../api/types.generated.ts';
import type { CompileOutput, Verdict } from '../compile/compile.ts';
import { policyStatus, tenantStatus } from '../manifests/status.ts';
import { keyOf } from '../naming.ts';
import type { Kube } from './kube.ts';
import { forEachLimited } from './pool.ts';

/** Statuses we wrote, by kind/namespace/name, with the resourceVersion the object had before. */
export type WrittenStatuses = Map<
  string,
  { uid: string | undefined; before: string | undefined; status: unknown }
>;

const statusKey = (kind: Kind, obj: TraceTenant | SamplingPolicy) => `${kind}/${keyOf(obj)}`;

// Key order differs between what we build and what the API server returns: compare structurally.
const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);

/**
 * The object as the status is to be computed from: the cached one, or — while the cache still shows
 * it as it was before our last status write — with the status we wrote, so a run in between neither
 * writes it again nor sends its Event twice.
 */
function withWrittenStatus<T extends TraceTenant | SamplingPolicy>(
  written: WrittenStatuses | undefined,
  kind: Kind,
  obj: T,
): T {
  const key = statusKey(kind, obj);
  const w = written?.get(key);
  if (!w) return obj;
  if (w.uid === obj.metadata?.uid && w.before === obj.metadata?.resourceVersion)
    return { ...obj, status: w.status };
  written?.delete(key); // the cache has moved on: it is the truth again
  return obj;
}

export interface StatusDeps {
  kube: Pick<Kube, 'patchStatus' | 'event'>;
  log: Logger;
  now: Date;
  limit: number;
  written?: WrittenStatuses;
}

/** Writes every status that differs. Returns the writes (statuses and Events) and the failures. */
export async function writeStatuses(
  d: StatusDeps,
  tenants: readonly TraceTenant[],
  policies: readonly SamplingPolicy[],
  out: CompileOutput,
): Promise<{ writes: number; errors: unknown[] }> {
  if (d.written) {
    const present = new Set([
      ...tenants.map((tt) => statusKey('TraceTenant', tt)),
      ...policies.map((sp) => statusKey('SamplingPolicy', sp)),
    ]);
    for (const key of d.written.keys()) if (!present.has(key)) d.written.delete(key);
  }
  const jobs: (() => Promise<number>)[] = [];
  for (const cached of tenants) {
    const tt = withWrittenStatus(d.written, 'TraceTenant', cached);
    const o = out.tenantOutcomes.get(keyOf(tt));
    if (o)
      jobs.push(() =>
        writeStatus(d, 'TraceTenant', tt, o, tenantStatus(o, tt.metadata?.generation ?? 0, tt.status, d.now)),
      );
  }
  for (const cached of policies) {
    const sp = withWrittenStatus(d.written, 'SamplingPolicy', cached);
    const o = out.policyOutcomes.get(keyOf(sp));
    if (o)
      jobs.push(() =>
        writeStatus(
          d,
          'SamplingPolicy',
          sp,
          o,
          policyStatus(o, sp.metadata?.generation ?? 0, sp.status, d.now),
        ),
      );
  }
  let writes = 0;
  const errors = await forEachLimited(jobs, d.limit, async (job) => {
    const n = await job(); // not `writes += await job()`: that reads the sum before awaiting
    writes += n;
  });
  return { writes, errors };
}

/**
 * Whether a new Ready verdict deserves an Event: a Warning whenever the reason changes, and a Normal
 * one only when a resource recovers (it was not Ready). A resource that is Ready from its first status
 * gets none: that was a third of all writes when many tenants arrive at once, and says nothing the
 * status does not.
 */
function eventWorthy(before: { status?: string; reason?: string } | undefined, verdict: Verdict): boolean {
  if (before?.reason === verdict.reason) return false;
  if (!verdict.ready) return true;
  return before !== undefined && before.status !== 'True';
}

/** Writes a status when it differs, with an Event when eventWorthy says so. Returns the writes. */
async function writeStatus(
  d: StatusDeps,
  kind: Kind,
  obj: TraceTenant | SamplingPolicy,
  verdict: Verdict,
  status: TraceTenant['status'] | SamplingPolicy['status'],
): Promise<number> {
  if (same(status, obj.status)) return 0;
  const ns = obj.metadata?.namespace ?? 'default';
  await d.kube.patchStatus(PLURAL[kind], ns, obj.metadata?.name ?? '', status);
  d.written?.set(statusKey(kind, obj), {
    uid: obj.metadata?.uid,
    before: obj.metadata?.resourceVersion,
    status,
  });
  const before = obj.status?.conditions?.find((c) => c.type === 'Ready');
  if (!eventWorthy(before, verdict)) return 1;
  const involved = { ...obj, apiVersion: API_VERSION, kind };
  await d.kube.event(involved, verdict.ready ? 'Normal' : 'Warning', verdict.reason, verdict.message);
  return 2;
}
