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
import { isDeepStrictEqual } from 'node:util';
import type { V1MutatingWebhookConfiguration, V1Secret } from '@kubernetes/client-node';
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
import { tokenSecretName } from '../manifests/naming.ts';
import { policyStatus, tenantStatus } from '../manifests/status.ts';
import { desiredTokenCopies, TOKEN_COPY_LABEL } from '../manifests/token-copies.ts';
import { tokenSecret } from '../manifests/token-secret.ts';
import type { Caches } from './informers.ts';
import type { Kube } from './kube.ts';
import { forEachLimited } from './pool.ts';

export interface ReconcileDeps {
  caches: Pick<Caches, 'tenants' | 'policies' | 'secrets' | 'namespaces'>;
  kube: Kube;
  cfg: OperatorConfig;
  log: Logger;
  now: () => Date;
  newToken: () => string;
  /** The pod webhook's registration, when the webhook is served. */
  webhook?: { configuration: V1MutatingWebhookConfiguration };
}

export interface ReconcileReport {
  /** Objects, statuses and Events written. */
  writes: number;
  /** What failed (each already logged); the run should be retried. */
  errors: string[];
}

function tokenOf(secret: V1Secret | undefined): string | undefined {
  const b64 = secret?.data?.token;
  return b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
}

// Key order differs between what we build and what the API server returns: compare structurally.
const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);
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
  const tokens = new Map<string, string>();
  const tokenErrors = await forEachLimited(tenants, limit, async (tt) => {
    const ns = tt.metadata?.namespace ?? 'default';
    const name = tokenSecretName(tt);
    let token = tokenOf(d.caches.secrets.get(name, ns)) ?? tokenOf(await d.kube.readSecret(ns, name));
    if (!token) {
      const created = await d.kube.createSecret(tokenSecret(tt, d.newToken()));
      if (created === 'created') report.writes++;
      d.log.info({ tenant: keyOf(tt), secret: `${ns}/${name}`, created }, 'token Secret created');
      token = tokenOf(await d.kube.readSecret(ns, name));
    }
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

  // 5. The webhook registration, rewritten only when what we set differs (e.g. a renewed CA).
  if (d.webhook) {
    try {
      if (await writeWebhookConfiguration(d, d.webhook.configuration)) report.writes++;
    } catch (err) {
      fail('webhook configuration', err);
    }
  }

  // 6. Statuses and Events, always, whatever failed above.
  const now = d.now();
  const statusJobs: (() => Promise<number>)[] = [];
  for (const tt of tenants) {
    const o = out.tenantOutcomes.get(keyOf(tt));
    if (o)
      statusJobs.push(() =>
        writeStatus(d, 'TraceTenant', tt, o, tenantStatus(o, tt.metadata?.generation ?? 0, tt.status, now)),
      );
  }
  for (const sp of policies) {
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
    report.writes += await job();
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
    current = await d.kube.readConfigMap(d.cfg.namespace, cm.metadata?.name ?? '');
    if (current && same(current.data, cm.data) && same(current.metadata?.labels, cm.metadata?.labels)) return;
    await d.kube.apply(cm);
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
    const current = await d.kube.readConfigMap(d.cfg.namespace, cm.metadata?.name ?? '');
    if (current && same(current.data, cm.data) && same(current.metadata?.labels, cm.metadata?.labels)) return;
    await d.kube.apply(cm);
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
  const have = await d.kube.readWebhookConfiguration(want.metadata?.name ?? '');
  const ours = (c: V1MutatingWebhookConfiguration | undefined) =>
    c?.webhooks?.map((w) => [w.name, w.clientConfig, w.failurePolicy, w.rules, w.namespaceSelector]);
  if (same(ours(have), ours(want))) return false;
  await d.kube.apply(want);
  d.log.info({ name: want.metadata?.name }, 'webhook configuration written');
  return true;
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
  const before = obj.status?.conditions?.find((c) => c.type === 'Ready')?.reason;
  if (before === verdict.reason) return 1;
  const involved = { ...obj, apiVersion: API_VERSION, kind };
  await d.kube.event(involved, verdict.ready ? 'Normal' : 'Warning', verdict.reason, verdict.message);
  return 2;
}
