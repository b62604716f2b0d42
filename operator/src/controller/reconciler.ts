// One level-triggered reconcile of the whole tenant set: every TraceTenant and SamplingPolicy feeds
// one ingester config and one Tempo overrides file, so there is one key and each run computes the
// full desired state from the caches. Steps: make sure each tenant has a token Secret, compile, build
// the desired objects (manifests/desired.ts), apply them and prune what is no longer desired in one
// loop (apply.ts), roll opted-in Deployments (rollout.ts), then the statuses (statuses.ts).
//
// A failing step never stops the others: a tenant left out of a full config, or whose change could not
// be written, gets a Ready=False status saying why while every other tenant converges, and statuses
// are always written. The failures come back in the report, so the caller retries with backoff.
// Requests to the API server run at most `cfg.apiConcurrency` at a time.
//
// What a run learns is kept for the next ones (ReconcileMemo), so a burst of events costs no repeated
// reads or writes: the token of a Secret just created is used as is (not read back), tokens in Secrets
// users made themselves (not watched) and the objects listed per kind are read again only once
// `ttlMs` has passed, and a status just written is not written again while the cache still shows the
// object as it was before that write.
import { createHash } from 'node:crypto';
import type { V1MutatingWebhookConfiguration, V1Namespace, V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { SamplingPolicy, TraceTenant } from '../api/types.generated.ts';
import { type CompileOutput, compile, type TenantOutcome, type Verdict } from '../compile/compile.ts';
import { tenantsInForce } from '../compile/in-force.ts';
import { CONFIGMAP_MAX_BYTES, type OperatorConfig } from '../config.ts';
import { INGESTER_CONFIG_KEY } from '../manifests/configmaps.ts';
import { type DesiredState, desiredObjects } from '../manifests/desired.ts';
import { REGISTRY_LABEL_VALUE } from '../manifests/registry-secret.ts';
import { tokenSecret } from '../manifests/token-secret.ts';
import {
  INSTANCE_LABEL,
  instanceOf,
  keyOf,
  MANAGED_BY,
  TOKEN_COPY_LABEL,
  TOKEN_LABEL,
  tokenSecretName,
} from '../naming.ts';
import { applyAndPrune, listedKind, type ManagedKind, objectKey } from './apply.ts';
import type { Caches } from './informers.ts';
import type { Kube } from './kube.ts';
import { forEachLimited } from './pool.ts';
import type { Wiring } from './rollout.ts';
import { type WrittenStatuses, writeStatuses } from './statuses.ts';

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
  /** The kinds listed rather than watched (ConfigMaps, the webhook registration), with their listing. */
  listedKinds?: ManagedKind[];
  /** Statuses we wrote. */
  readonly statuses: WrittenStatuses;
  /** The last compile and desired objects, with what they were built from (see buildKey). */
  build?: { key: string; webhook: unknown; out: CompileOutput; desired: DesiredState };
  readonly clock: () => number;
}

export function createReconcileMemo(
  ttlMs: number,
  clock: () => number = () => performance.now(),
): ReconcileMemo {
  return { ttlMs, userTokens: new Map(), statuses: new Map(), clock };
}

export interface ReconcileReport {
  /** Objects, statuses and Events written. */
  writes: number;
  /** What failed (each already logged); the run should be retried. */
  errors: string[];
  /** The statuses were left to the next run (deferStatuses). */
  statusesDeferred?: boolean;
}

function tokenOf(secret: V1Secret | undefined, key = 'token'): string | undefined {
  const b64 = secret?.data?.[key];
  return b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
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

/**
 * The kinds the operator writes and prunes. Token Secrets (the tenants' own and the copies) come from
 * the watch cache; a copy no longer desired is deleted, a tenant's own token only once no TraceTenant
 * owns or names it (ownership). ConfigMaps (in our namespace) and the webhook registration are listed
 * by our label once per `ttlMs`.
 */
function managedKinds(d: ReconcileDeps, tenants: readonly TraceTenant[]): ManagedKind[] {
  const memo = d.memo;
  // Ours only: managed by this operator instance, not by another release sharing the cluster.
  const selector = Object.entries({ ...MANAGED_BY, [INSTANCE_LABEL]: instanceOf(d.cfg) })
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const listed = memo?.listedKinds ?? [
    listedKind(
      { apiVersion: 'v1', kind: 'ConfigMap' },
      () => d.kube.list('v1', 'ConfigMap', d.cfg.namespace, selector),
      memo?.ttlMs ?? 0,
      memo?.clock,
    ),
    listedKind(
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration' },
      () =>
        d.kube.list('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', undefined, selector),
      memo?.ttlMs ?? 0,
      memo?.clock,
    ),
  ];
  if (memo) memo.listedKinds = listed;
  const [configMaps, webhooks] = listed as [ManagedKind, ManagedKind];
  const uids = new Set(tenants.map((t) => t.metadata?.uid));
  const named = new Set(tenants.map((t) => `${t.metadata?.namespace ?? 'default'}/${tokenSecretName(t)}`));
  const secrets: ManagedKind = {
    apiVersion: 'v1',
    kind: 'Secret',
    present: () => d.caches.secrets.list(),
    prunable: (s) => {
      if (s.metadata?.labels?.[TOKEN_COPY_LABEL] === 'true') return true;
      // The copy of prompt-registry signing secrets: this instance's, when no tenant needs it any more.
      if (s.metadata?.labels?.[TOKEN_LABEL] === REGISTRY_LABEL_VALUE)
        return (
          s.metadata?.labels?.[INSTANCE_LABEL] === instanceOf(d.cfg) &&
          s.metadata?.namespace === d.cfg.namespace
        );
      const owners = (s.metadata?.ownerReferences ?? []).filter((o) => o.kind === 'TraceTenant');
      return owners.length > 0 && owners.every((o) => !uids.has(o.uid)) && !named.has(keyOf(s));
    },
  };
  // The registration is ours to prune only while we serve the webhook (otherwise we may not list it).
  return d.webhook ? [configMaps, secrets, webhooks] : [configMaps, secrets];
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
  const { tokens, registry, refused: tokensRefused } = await ensureTokens(d, tenants, report, fail);

  // 2. Compile, and build every object we want — or reuse the last build when nothing it depends on
  // changed (our own status writes, for one, wake a run for every tenant written).
  const namespaces = d.caches.namespaces.list();
  const key = buildKey(tenants, policies, new Map([...tokens, ...registry]), namespaces);
  const webhook = d.webhook?.configuration;
  const reuse = d.memo?.build?.key === key && d.memo.build.webhook === webhook ? d.memo.build : undefined;
  const built = reuse ?? {
    key,
    webhook,
    out: compile({
      tenants,
      policies,
      tokens,
      ...(d.cfg.registrySecret
        ? { registrySecrets: new Set(registry.keys()), registrySecretDir: d.cfg.registrySecret.dir }
        : {}),
    }),
    desired: undefined as DesiredState | undefined,
  };
  // Verdicts are amended below (config full, not written): on a copy, so a reused build stays clean.
  const out: CompileOutput = { ...built.out, tenantOutcomes: new Map(built.out.tenantOutcomes) };
  // A tenant whose token Secret the API server refused says why (not just "pending").
  for (const tt of tenants) {
    const secret = `${tt.metadata?.namespace ?? 'default'}/${tokenSecretName(tt)}`;
    const why = tokensRefused.get(secret);
    const o = out.tenantOutcomes.get(keyOf(tt));
    if (why === undefined || !o || o.reason !== 'TokenPending') continue;
    out.tenantOutcomes.set(keyOf(tt), {
      ...o,
      reason: 'TokenNotWritten',
      message: `the token Secret ${secret} could not be created: ${why}`,
    });
  }
  const desired =
    built.desired ??
    desiredObjects({
      compiled: built.out,
      tenants,
      namespaces,
      tokens,
      registry,
      cfg: d.cfg,
      ...(webhook ? { webhook } : {}),
    });
  if (d.memo) d.memo.build = { key, webhook, out: built.out, desired };
  const { ingesterConfig, tempoOverrides } = desired;
  if (ingesterConfig.leftOut.length) {
    const n = out.tenantIdsByAge.length;
    const left = ingesterConfig.leftOut.length;
    d.log.warn({ tenants: n, leftOut: left }, 'ingester config full; newest tenants left out');
    notInForce(out, ingesterConfig.leftOut, {
      reason: 'ConfigFull',
      message: `the ingester config is full (a ConfigMap holds ${CONFIGMAP_MAX_BYTES / 1024} KiB): ${n - left} of ${n} tenants fit, oldest first; this tenant is not in force until others are removed`,
    });
  }
  notInForce(out, tempoOverrides.leftOut, {
    reason: 'ConfigFull',
    message: `the Tempo overrides ${d.cfg.namespace}/${d.cfg.tempoOverridesConfigMap} are full (a ConfigMap holds ${CONFIGMAP_MAX_BYTES / 1024} KiB): this tenant's Tempo limits and retention are Tempo's defaults`,
  });

  // 3. One loop: apply what differs, prune what we manage and no longer want.
  const applied = await applyAndPrune({
    desired: desired.objects,
    kinds: managedKinds(d, tenants),
    kube: d.kube,
    limit,
  });
  report.writes += applied.writes;
  for (const [key, err] of applied.failed) fail(key, err);
  const ingesterKey = objectKey(ingesterConfig.configMap);
  if (applied.written.length) d.log.info({ objects: applied.written.slice(0, 20) }, 'applied and pruned');
  const refused = applied.failed.get(ingesterKey);
  if (refused !== undefined) {
    // Exactly the tenants whose change is not in force (new, changed) say so; the others are.
    const current = applied.present.get(ingesterKey) as { data?: Record<string, string> } | undefined;
    const inForce = tenantsInForce(
      current?.data?.[INGESTER_CONFIG_KEY],
      ingesterConfig.configMap.data?.[INGESTER_CONFIG_KEY] ?? '',
    );
    notInForce(
      out,
      out.tenantIdsByAge.filter((id) => !inForce.has(id) && !ingesterConfig.leftOut.includes(id)),
      {
        reason: 'ConfigNotWritten',
        message: `the ingester config ${d.cfg.namespace}/${d.cfg.ingesterConfigMap} could not be written: ${message(refused)}`,
      },
    );
  }

  // 4. Deployments that opted in (trace.koder.dev/roll-on-change) rolled when their wiring changed.
  if (d.rollout) {
    try {
      report.writes += await d.rollout({
        tenants,
        namespaces: d.caches.namespaces.list(),
        tokenOf: (tt) => tokens.get(`${tt.metadata?.namespace ?? 'default'}/${tokenSecretName(tt)}`),
      });
    } catch (err) {
      fail('rollout', err);
    }
  }

  // 5. Statuses and Events, whatever failed above — unless a run is due anyway and may do it.
  if (d.deferStatuses?.()) {
    report.statusesDeferred = true;
    return report;
  }
  const statuses = await writeStatuses(
    { kube: d.kube, log: d.log, now: d.now(), limit, ...(d.memo ? { written: d.memo.statuses } : {}) },
    tenants,
    policies,
    out,
  );
  report.writes += statuses.writes;
  for (const err of statuses.errors) fail('status', err);
  return report;
}

/**
 * Each tenant's token, by "<namespace>/<Secret name>": from our labelled Secrets (cached), else read
 * (a Secret the user made), else a new Secret created with a new token.
 */
async function ensureTokens(
  d: ReconcileDeps,
  tenants: readonly TraceTenant[],
  report: ReconcileReport,
  fail: (what: string, err: unknown) => void,
): Promise<{
  tokens: Map<string, string>;
  registry: Map<string, string>;
  refused: Map<string, string>;
}> {
  const memo = d.memo;
  const fresh = (at: number) => memo !== undefined && memo.clock() - at < memo.ttlMs;
  /** A key of a Secret the user made (its `token` unless said), read at most once per cache time. */
  const readToken = async (ns: string, name: string, field = 'token') => {
    const key = field === 'token' ? `${ns}/${name}` : `${ns}/${name}/${field}`;
    const known = memo?.userTokens.get(key);
    if (known && fresh(known.at)) return known.token;
    const token = tokenOf(await d.kube.readSecret(ns, name), field);
    memo?.userTokens.set(key, { token, at: memo.clock() });
    return token;
  };
  const tokens = new Map<string, string>();
  // Prompt-registry signing secrets, copied for the ingesters when there is a Secret to copy them to.
  const registry = new Map<string, string>();
  const refused = new Map<string, string>();
  const errors = await forEachLimited(tenants, d.cfg.apiConcurrency, async (tt) => {
    const ns = tt.metadata?.namespace ?? 'default';
    const name = tokenSecretName(tt);
    try {
      await ensureToken(tt, ns, name);
    } catch (err) {
      refused.set(`${ns}/${name}`, message(err));
      throw err;
    }
    // Read tokens live in Secrets the user made: read (never created); a missing one is the
    // compile step's to report on the tenant's status.
    for (const secret of tt.spec?.read?.tokenSecrets ?? []) {
      const token = tokenOf(d.caches.secrets.get(secret, ns)) ?? (await readToken(ns, secret));
      if (token) tokens.set(`${ns}/${secret}`, token);
    }
    const ref = tt.spec?.promptRegistry?.signingSecretRef;
    if (ref && d.cfg.registrySecret) {
      const value =
        tokenOf(d.caches.secrets.get(ref.name, ns), ref.key) ?? (await readToken(ns, ref.name, ref.key));
      if (value) registry.set(`${ns}/${ref.name}/${ref.key}`, value);
    }
  });
  for (const err of errors) fail('token Secret', err);
  return { tokens, registry, refused };

  async function ensureToken(tt: TraceTenant, ns: string, name: string): Promise<void> {
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
  }
}

/**
 * What compile and desiredObjects read, as one digest: each tenant's and policy's identity, generation
 * (spec changes) and age, the tokens and the namespaces' labels — not resourceVersions, which our own
 * status writes move. Hashed piece by piece: at 10,000 tenants one string of it all is megabytes.
 */
function buildKey(
  tenants: readonly TraceTenant[],
  policies: readonly SamplingPolicy[],
  tokens: ReadonlyMap<string, string>,
  namespaces: readonly V1Namespace[],
): string {
  const h = createHash('sha256');
  const id = (o: TraceTenant | SamplingPolicy) =>
    h.update(
      `${keyOf(o)}\0${o.metadata?.uid}\0${o.metadata?.generation}\0${String(o.metadata?.creationTimestamp)}\n`,
    );
  for (const t of tenants) id(t);
  h.update('\x01');
  for (const p of policies) id(p);
  h.update('\x01');
  for (const [k, v] of tokens) h.update(`${k}\0${v}\n`);
  h.update('\x01');
  for (const n of namespaces) h.update(`${JSON.stringify([n.metadata?.name, n.metadata?.labels])}\n`);
  return h.digest('hex');
}

/** Marks tenants (by id) not in force with a Ready=False verdict. */
function notInForce(out: CompileOutput, ids: Iterable<string>, verdict: Omit<Verdict, 'ready'>): void {
  for (const id of ids) {
    const key = out.tenantKeys.get(id);
    const o = key ? out.tenantOutcomes.get(key) : undefined;
    if (key && o) out.tenantOutcomes.set(key, { ...o, ...verdict, ready: false } satisfies TenantOutcome);
  }
}
