// One level-triggered reconcile of the whole tenant set: every TraceTenant and SamplingPolicy feeds
// one ingester config and one Tempo overrides file, so there is one key and each run computes the
// full desired state from the caches. Steps: make sure each tenant has a token Secret, compile, write
// the two ConfigMaps only when their content differs, the token copies and the webhook registration,
// then each status only when it differs, with an Event whenever a resource's Ready reason changes.
//
// A failing step never stops the others: a tenant left out of a full config, or whose change could not
// be written, gets a Ready=False status saying why while every other tenant converges, and statuses
// are always written. The failures come back in the report, so the caller retries with backoff.
// Requests to the API server run at most `cfg.apiConcurrency` at a time.
//
// What a run learns is kept for the next ones (ReconcileMemo), so a burst of events costs no repeated
// reads or writes: the token of a Secret just created is used as is (not read back), tokens in Secrets
// users made themselves (not watched) and the ConfigMaps are read again only once `resyncMs` has
// passed since they were last read, and a status just written is not written again while the cache
// still shows the object as it was before that write.
import { isDeepStrictEqual } from 'node:util';
import type { V1ConfigMap, V1MutatingWebhookConfiguration, V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, type Kind, PLURAL } from '../api/crds.ts';
import type { SamplingPolicy, TraceTenant } from '../api/types.generated.ts';
import { type CompileOutput, compile, keyOf, type TenantOutcome, type Verdict } from '../compile/compile.ts';
import { tenantsInForce } from '../compile/in-force.ts';
import type { OperatorConfig } from '../config.ts';
import {
  CONFIGMAP_MAX_BYTES,
  INGESTER_CONFIG_KEY,
  ingesterConfigMap,
  tempoOverridesConfigMap,
} from '../manifests/configmaps.ts';
import { policyStatus, tenantStatus } from '../manifests/status.ts';
import { desiredTokenCopies } from '../manifests/token-copies.ts';
import { tokenSecret } from '../manifests/token-secret.ts';
import { TOKEN_COPY_LABEL, tokenSecretName } from '../naming.ts';
import type { Caches } from './informers.ts';
import type { Kube } from './kube.ts';
import { forEachLimited } from './pool.ts';
import type { Wiring } from './rollout.ts';

export interface ReconcileDeps {
  caches: Pick<Caches, 'tenants' | 'policies' | 'secrets' | 'namespaces'>;
  kube: Kube;
  cfg: OperatorConfig;
  log: Logger;
  now: () => Date;
  newToken: () => string;
  /** The pod webhook's registration, when the webhook is served. */
  webhook?: { configuration: V1MutatingWebhookConfiguration };
  /** Kept across runs (createReconcileMemo); without it every run reads and compares afresh. */
  memo?: ReconcileMemo;
  /**
   * Asked before the statuses are written: true leaves them to the next run, which is already due
   * (more changes came in during this one). In a burst the ingester config then follows the changes
   * without waiting for hundreds of statuses, and statuses are not written for every intermediate
   * state (a tenant applied before its policy, a policy's usedBy growing tenant by tenant).
   */
  deferStatuses?: () => boolean;
  /** Rolls opted-in Deployments whose injected config changed (rollout.ts); returns the writes. */
  rollout?: (wiring: Wiring) => Promise<number>;
}

/** What earlier runs read or wrote, so that the next runs need not ask the API server again. */
export interface ReconcileMemo {
  /** How long a read of an object we do not watch is trusted. */
  readonly ttlMs: number;
  /** Tokens in Secrets we do not watch (made by users), by namespace/name, with when they were read. */
  readonly userTokens: Map<string, { token: string | undefined; at: number }>;
  /** ConfigMaps as last read or written by us, by name, with when. */
  readonly configMaps: Map<string, { data: unknown; labels: unknown; at: number }>;
  /** Statuses we wrote, by kind/namespace/name, with the resourceVersion the object had before. */
  readonly statuses: Map<string, { uid: string | undefined; before: string | undefined; status: unknown }>;
  /** The webhook registration last written or found in place. */
  webhook?: { want: unknown; at: number };
  readonly clock: () => number;
}

export function createReconcileMemo(
  ttlMs: number,
  clock: () => number = () => performance.now(),
): ReconcileMemo {
  return { ttlMs, userTokens: new Map(), configMaps: new Map(), statuses: new Map(), clock };
}

export interface ReconcileReport {
  /** Objects, statuses and Events written. */
  writes: number;
  /** What failed (each already logged); the run should be retried. */
  errors: string[];
  /** The statuses were left to the next run (deferStatuses). */
  statusesDeferred?: boolean;
}

function tokenOf(secret: V1Secret | undefined): string | undefined {
  const b64 = secret?.data?.token;
  return b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
}

// Key order differs between what we build and what the API server returns: compare structurally.
const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);

/**
 * Whether `have` holds everything `want` sets: the same keys with the same values, recursively;
 * arrays element by element. Fields the API server adds (defaults) are ignored, and so are the
 * prototypes of client-node's typed objects (which a deep-equality check counts as a difference).
 */
export function holds(have: unknown, want: unknown): boolean {
  if (Array.isArray(want))
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => holds(have[i], w));
  if (want !== null && typeof want === 'object') {
    if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
    return Object.entries(want).every(
      ([k, w]) => w === undefined || holds((have as Record<string, unknown>)[k], w),
    );
  }
  return have === want;
}
/** What the API server said (the Status message inside client-node's error), else the error's message. */
function message(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  try {
    const status = typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : undefined;
    if (status?.message) return status.message.slice(0, 500);
  } catch {}
  return (err instanceof Error ? err.message : String(err)).slice(0, 500);
}

export async function reconcile(d: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { writes: 0, errors: [] };
  const limit = d.cfg.apiConcurrency;
  const fail = (what: string, err: unknown) => {
    d.log.error({ err: message(err) }, `${what} failed`);
    report.errors.push(`${what}: ${message(err)}`);
  };
  const tenants = d.caches.tenants.list() as TraceTenant[];
  const policies = d.caches.policies.list() as SamplingPolicy[];

  // 1. Tokens: from our labelled Secrets (cached), else read (Secrets users made themselves), else create.
  const memo = d.memo;
  const fresh = (at: number) => memo !== undefined && memo.clock() - at < memo.ttlMs;
  const readToken = async (ns: string, name: string) => {
    const key = `${ns}/${name}`;
    const known = memo?.userTokens.get(key);
    if (known && fresh(known.at)) return known.token;
    const token = tokenOf(await d.kube.readSecret(ns, name));
    memo?.userTokens.set(key, { token, at: memo.clock() });
    return token;
  };
  const tokens = new Map<string, string>();
  const tokenErrors = await forEachLimited(tenants, limit, async (tt) => {
    const ns = tt.metadata?.namespace ?? 'default';
    const name = tokenSecretName(tt);
    // A Secret we neither cache nor read before is created first (a 409 says it exists, then it is
    // read), so a new tenant costs one request, not a read, a create and a read back.
    const unseen = memo !== undefined && !memo.userTokens.has(`${ns}/${name}`);
    let token = tokenOf(d.caches.secrets.get(name, ns)) ?? (unseen ? undefined : await readToken(ns, name));
    if (!token) {
      const value = d.newToken();
      const created = await d.kube.createSecret(tokenSecret(tt, value));
      if (created === 'created') report.writes++;
      d.log.info({ tenant: keyOf(tt), secret: `${ns}/${name}`, created }, 'token Secret created');
      // Ours when we created it (the cache has it soon); someone else's when it already existed.
      if (created === 'created') {
        token = value;
        memo?.userTokens.set(`${ns}/${name}`, { token, at: memo.clock() });
      } else {
        memo?.userTokens.delete(`${ns}/${name}`);
        token = await readToken(ns, name);
      }
    } else if (d.caches.secrets.get(name, ns)) memo?.userTokens.delete(`${ns}/${name}`);
    if (token) tokens.set(`${ns}/${name}`, token);
  });
  for (const err of tokenErrors) fail('token Secret', err);

  // 2. Compile.
  const out = compile({ tenants, policies, tokens });

  // 3. ConfigMaps, written only when their data changed (compared with what the API server has now).
  await writeIngesterConfig(d, out, report, fail);
  await writeTempoOverrides(d, out, report, fail);

  // 4. Token copies in the namespaces pods are wired from; stale copies removed.
  const copies = desiredTokenCopies(d.caches.namespaces.list(), tenants, tokens);
  const changed = [...copies.values()].filter((secret) => {
    const current = d.caches.secrets.get(secret.metadata?.name ?? '', secret.metadata?.namespace);
    return !(
      current &&
      same(current.data, secret.data) &&
      same(current.metadata?.labels, secret.metadata?.labels)
    );
  });
  const stale = d.caches.secrets
    .list()
    .filter(
      (s) =>
        s.metadata?.labels?.[TOKEN_COPY_LABEL] === 'true' &&
        !copies.has(`${s.metadata?.namespace}/${s.metadata?.name}`),
    );
  for (const err of await forEachLimited(changed, limit, async (secret) => {
    await d.kube.apply(secret);
    report.writes++;
  }))
    fail('token copy', err);
  for (const err of await forEachLimited(stale, limit, async (s) => {
    await d.kube.deleteSecret(s.metadata?.namespace ?? '', s.metadata?.name ?? '');
    report.writes++;
  }))
    fail('stale token copy', err);

  // 4b. Deployments that opted in (trace.koder.dev/roll-on-change) rolled when their wiring changed.
  if (d.rollout) {
    try {
      const n = await d.rollout({
        tenants,
        namespaces: d.caches.namespaces.list(),
        tokenOf: (tt) => tokens.get(`${tt.metadata?.namespace ?? 'default'}/${tokenSecretName(tt)}`),
      });
      report.writes += n;
    } catch (err) {
      fail('rollout', err);
    }
  }

  // 5. The webhook registration, rewritten only when what we set differs (e.g. a renewed CA).
  if (d.webhook) {
    try {
      if (await writeWebhookConfiguration(d, d.webhook.configuration)) report.writes++;
    } catch (err) {
      fail('webhook configuration', err);
    }
  }

  // 6. Statuses and Events, whatever failed above — unless a run is due anyway and may do it.
  if (d.deferStatuses?.()) {
    report.statusesDeferred = true;
    return report;
  }
  if (d.memo) {
    const present = new Set([
      ...tenants.map((tt) => statusKey('TraceTenant', tt)),
      ...policies.map((sp) => statusKey('SamplingPolicy', sp)),
    ]);
    for (const key of d.memo.statuses.keys()) if (!present.has(key)) d.memo.statuses.delete(key);
  }
  const now = d.now();
  const statusJobs: (() => Promise<number>)[] = [];
  for (const cached of tenants) {
    const tt = withWrittenStatus(d, 'TraceTenant', cached);
    const o = out.tenantOutcomes.get(keyOf(tt));
    if (o)
      statusJobs.push(() =>
        writeStatus(d, 'TraceTenant', tt, o, tenantStatus(o, tt.metadata?.generation ?? 0, tt.status, now)),
      );
  }
  for (const cached of policies) {
    const sp = withWrittenStatus(d, 'SamplingPolicy', cached);
    const o = out.policyOutcomes.get(keyOf(sp));
    if (o)
      statusJobs.push(() =>
        writeStatus(
          d,
          'SamplingPolicy',
          sp,
          o,
          policyStatus(o, sp.metadata?.generation ?? 0, sp.status, now),
        ),
      );
  }
  for (const err of await forEachLimited(statusJobs, limit, async (job) => {
    const n = await job(); // not `report.writes += await job()`: that reads the sum before awaiting
    report.writes += n;
  }))
    fail('status', err);
  return report;
}

/** Marks tenants (by id) not in force with a Ready=False verdict. */
function notInForce(out: CompileOutput, ids: Iterable<string>, verdict: Omit<Verdict, 'ready'>): void {
  for (const id of ids) {
    const key = out.tenantKeys.get(id);
    const o = key ? out.tenantOutcomes.get(key) : undefined;
    if (key && o) out.tenantOutcomes.set(key, { ...o, ...verdict, ready: false } satisfies TenantOutcome);
  }
}

async function writeIngesterConfig(
  d: ReconcileDeps,
  out: CompileOutput,
  report: ReconcileReport,
  fail: (what: string, err: unknown) => void,
): Promise<void> {
  const { configMap: cm, leftOut } = ingesterConfigMap(out, d.cfg, d.cfg.configMapBudgetBytes);
  if (leftOut.length) {
    const n = out.tenantIdsByAge.length;
    d.log.warn({ tenants: n, leftOut: leftOut.length }, 'ingester config full; newest tenants left out');
    notInForce(out, leftOut, {
      reason: 'ConfigFull',
      message: `the ingester config is full (a ConfigMap holds ${CONFIGMAP_MAX_BYTES / 1024} KiB): ${n - leftOut.length} of ${n} tenants fit, oldest first; this tenant is not in force until others are removed`,
    });
  }
  let current: Awaited<ReturnType<Kube['readConfigMap']>>;
  try {
    current = await currentConfigMap(d, cm.metadata?.name ?? '');
    if (current && same(current.data, cm.data) && same(current.metadata?.labels, cm.metadata?.labels)) return;
    await applyConfigMap(d, cm);
    report.writes++;
    d.log.info({ configMap: `${cm.metadata?.namespace}/${cm.metadata?.name}` }, 'config written');
  } catch (err) {
    fail('ingester config', err);
    // Exactly the tenants whose change is not in force (new, changed) say so; the others are.
    const inForce = tenantsInForce(
      current?.data?.[INGESTER_CONFIG_KEY],
      cm.data?.[INGESTER_CONFIG_KEY] ?? '',
    );
    notInForce(
      out,
      out.tenantIdsByAge.filter((id) => !inForce.has(id) && !leftOut.includes(id)),
      {
        reason: 'ConfigNotWritten',
        message: `the ingester config ${d.cfg.namespace}/${cm.metadata?.name} could not be written: ${message(err)}`,
      },
    );
  }
}

/** One of our ConfigMaps as the API server holds it: as last read or written while fresh, else read. */
async function currentConfigMap(d: ReconcileDeps, name: string): Promise<V1ConfigMap | undefined> {
  const known = d.memo?.configMaps.get(name);
  if (d.memo && known && d.memo.clock() - known.at < d.memo.ttlMs)
    return { data: known.data, metadata: { name, labels: known.labels } } as V1ConfigMap;
  const cm = await d.kube.readConfigMap(d.cfg.namespace, name);
  if (cm && d.memo)
    d.memo.configMaps.set(name, { data: cm.data, labels: cm.metadata?.labels, at: d.memo.clock() });
  return cm;
}

async function applyConfigMap(d: ReconcileDeps, cm: V1ConfigMap): Promise<void> {
  const name = cm.metadata?.name ?? '';
  d.memo?.configMaps.delete(name); // unknown until the write succeeds
  await d.kube.apply(cm);
  d.memo?.configMaps.set(name, { data: cm.data, labels: cm.metadata?.labels, at: d.memo.clock() });
}

async function writeTempoOverrides(
  d: ReconcileDeps,
  out: CompileOutput,
  report: ReconcileReport,
  fail: (what: string, err: unknown) => void,
): Promise<void> {
  const { configMap: cm, leftOut } = tempoOverridesConfigMap(out, d.cfg, d.cfg.configMapBudgetBytes);
  const where = `${d.cfg.namespace}/${cm.metadata?.name}`;
  notInForce(out, leftOut, {
    reason: 'ConfigFull',
    message: `the Tempo overrides ${where} are full (a ConfigMap holds ${CONFIGMAP_MAX_BYTES / 1024} KiB): this tenant's Tempo limits and retention are Tempo's defaults`,
  });
  try {
    const current = await currentConfigMap(d, cm.metadata?.name ?? '');
    if (current && same(current.data, cm.data) && same(current.metadata?.labels, cm.metadata?.labels)) return;
    await applyConfigMap(d, cm);
    report.writes++;
    d.log.info({ configMap: where }, 'config written');
  } catch (err) {
    fail('Tempo overrides', err);
  }
}

/** Applies the webhook registration when what we set differs from what the API server holds. */
async function writeWebhookConfiguration(
  d: ReconcileDeps,
  want: V1MutatingWebhookConfiguration,
): Promise<boolean> {
  const memo = d.memo;
  if (memo?.webhook && memo.webhook.want === want && memo.clock() - memo.webhook.at < memo.ttlMs)
    return false;
  const have = await d.kube.readWebhookConfiguration(want.metadata?.name ?? '');
  // Only what we set: the API server adds defaults (matchPolicy, objectSelector, the service port…).
  const ours = (c: V1MutatingWebhookConfiguration | undefined) => ({
    labels: c?.metadata?.labels,
    webhooks: c?.webhooks,
  });
  const inPlace = have !== undefined && holds(ours(have), ours(want));
  if (!inPlace) {
    if (memo) memo.webhook = undefined;
    await d.kube.apply(want);
    d.log.info({ name: want.metadata?.name }, 'webhook configuration written');
  }
  if (memo) memo.webhook = { want, at: memo.clock() };
  return !inPlace;
}

const statusKey = (kind: Kind, obj: TraceTenant | SamplingPolicy) =>
  `${kind}/${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? ''}`;

/**
 * The object as the status is to be computed from: the cached one, or — while the cache still shows
 * it as it was before our last status write (the watch event is on its way) — with the status we
 * wrote, so a run in between neither writes it again nor sends its Event twice.
 */
function withWrittenStatus<T extends TraceTenant | SamplingPolicy>(d: ReconcileDeps, kind: Kind, obj: T): T {
  const key = statusKey(kind, obj);
  const written = d.memo?.statuses.get(key);
  if (!written) return obj;
  if (written.uid === obj.metadata?.uid && written.before === obj.metadata?.resourceVersion)
    return { ...obj, status: written.status };
  d.memo?.statuses.delete(key); // the cache has moved on: it is the truth again
  return obj;
}

/** Writes a status when it differs, with an Event when the Ready reason changed. Returns the writes. */
async function writeStatus(
  d: ReconcileDeps,
  kind: Kind,
  obj: TraceTenant | SamplingPolicy,
  verdict: Verdict,
  status: TraceTenant['status'] | SamplingPolicy['status'],
): Promise<number> {
  if (same(status, obj.status)) return 0;
  const ns = obj.metadata?.namespace ?? 'default';
  await d.kube.patchStatus(PLURAL[kind], ns, obj.metadata?.name ?? '', status);
  d.memo?.statuses.set(statusKey(kind, obj), {
    uid: obj.metadata?.uid,
    before: obj.metadata?.resourceVersion,
    status,
  });
  const before = obj.status?.conditions?.find((c) => c.type === 'Ready')?.reason;
  if (before === verdict.reason) return 1;
  const involved = { ...obj, apiVersion: API_VERSION, kind };
  await d.kube.event(involved, verdict.ready ? 'Normal' : 'Warning', verdict.reason, verdict.message);
  return 2;
}
