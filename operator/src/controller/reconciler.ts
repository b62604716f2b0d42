// One level-triggered reconcile of the whole tenant set: every TraceTenant and SamplingPolicy feeds
// one ingester config and one Tempo overrides file, so there is one key and each run computes the
// full desired state from the caches. Steps: make sure each tenant has a token Secret, compile, write
// the two ConfigMaps only when their content differs, then write each status only when it differs,
// with an Event whenever a resource's Ready reason changes.
import { isDeepStrictEqual } from 'node:util';
import type { V1MutatingWebhookConfiguration, V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, type Kind, PLURAL } from '../api/crds.ts';
import type { SamplingPolicy, TraceTenant } from '../api/types.generated.ts';
import { compile, keyOf, tokenSecretName, type Verdict } from '../compile/compile.ts';
import type { OperatorConfig } from '../config.ts';
import { ingesterConfigMap, tempoOverridesConfigMap } from '../manifests/configmaps.ts';
import { policyStatus, tenantStatus } from '../manifests/status.ts';
import { desiredTokenCopies, TOKEN_COPY_LABEL } from '../manifests/token-copies.ts';
import { tokenSecret } from '../manifests/token-secret.ts';
import type { Caches } from './informers.ts';
import type { Kube } from './kube.ts';

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
  writes: number;
}

function tokenOf(secret: V1Secret | undefined): string | undefined {
  const b64 = secret?.data?.token;
  return b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
}

// Key order differs between what we build and what the API server returns: compare structurally.
const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);

export async function reconcile(d: ReconcileDeps): Promise<ReconcileReport> {
  let writes = 0;
  const tenants = d.caches.tenants.list() as TraceTenant[];
  const policies = d.caches.policies.list() as SamplingPolicy[];

  // 1. Tokens: from our labelled Secrets (cached), else read (Secrets users made themselves), else create.
  const tokens = new Map<string, string>();
  for (const tt of tenants) {
    const ns = tt.metadata?.namespace ?? 'default';
    const name = tokenSecretName(tt);
    let token = tokenOf(d.caches.secrets.get(name, ns)) ?? tokenOf(await d.kube.readSecret(ns, name));
    if (!token) {
      const created = await d.kube.createSecret(tokenSecret(tt, d.newToken()));
      writes++;
      d.log.info({ tenant: keyOf(tt), secret: `${ns}/${name}`, created }, 'token Secret created');
      token = tokenOf(await d.kube.readSecret(ns, name));
    }
    if (token) tokens.set(`${ns}/${name}`, token);
  }

  // 2. Compile.
  const out = compile({ tenants, policies, tokens });

  // 3. ConfigMaps, written only when their data changed (compared with what the API server has now).
  for (const cm of [ingesterConfigMap(out, d.cfg), tempoOverridesConfigMap(out, d.cfg)]) {
    const current = await d.kube.readConfigMap(d.cfg.namespace, cm.metadata?.name ?? '');
    if (current && same(current.data, cm.data) && same(current.metadata?.labels, cm.metadata?.labels))
      continue;
    await d.kube.apply(cm);
    writes++;
    d.log.info({ configMap: `${cm.metadata?.namespace}/${cm.metadata?.name}` }, 'config written');
  }

  // 4. Token copies in the namespaces pods are wired from; stale copies removed.
  const copies = desiredTokenCopies(d.caches.namespaces.list(), tenants, tokens);
  for (const [key, secret] of copies) {
    const [ns, name] = key.split('/') as [string, string];
    const current = d.caches.secrets.get(name, ns);
    if (current && same(current.data, secret.data) && same(current.metadata?.labels, secret.metadata?.labels))
      continue;
    await d.kube.apply(secret);
    writes++;
  }
  for (const s of d.caches.secrets.list()) {
    const key = `${s.metadata?.namespace}/${s.metadata?.name}`;
    if (s.metadata?.labels?.[TOKEN_COPY_LABEL] === 'true' && !copies.has(key)) {
      await d.kube.deleteSecret(s.metadata?.namespace ?? '', s.metadata?.name ?? '');
      writes++;
    }
  }

  // 5. The webhook registration, rewritten only when what we set differs (e.g. a renewed CA).
  if (d.webhook) {
    const want = d.webhook.configuration;
    const have = await d.kube.readWebhookConfiguration(want.metadata?.name ?? '');
    const ours = (c: V1MutatingWebhookConfiguration | undefined) =>
      c?.webhooks?.map((w) => [w.name, w.clientConfig, w.failurePolicy, w.rules, w.namespaceSelector]);
    if (!same(ours(have), ours(want))) {
      await d.kube.apply(want);
      writes++;
      d.log.info({ name: want.metadata?.name }, 'webhook configuration written');
    }
  }

  // 6. Statuses and Events.
  const now = d.now();
  for (const tt of tenants) {
    const o = out.tenantOutcomes.get(keyOf(tt));
    if (
      o &&
      (await writeStatus(
        d,
        'TraceTenant',
        tt,
        o,
        tenantStatus(o, tt.metadata?.generation ?? 0, tt.status, now),
      ))
    ) {
      writes++;
    }
  }
  for (const sp of policies) {
    const o = out.policyOutcomes.get(keyOf(sp));
    if (
      o &&
      (await writeStatus(
        d,
        'SamplingPolicy',
        sp,
        o,
        policyStatus(o, sp.metadata?.generation ?? 0, sp.status, now),
      ))
    ) {
      writes++;
    }
  }
  return { writes };
}

/** Writes a status when it differs, with an Event when the Ready reason changed. True when written. */
async function writeStatus(
  d: ReconcileDeps,
  kind: Kind,
  obj: TraceTenant | SamplingPolicy,
  verdict: Verdict,
  status: TraceTenant['status'] | SamplingPolicy['status'],
): Promise<boolean> {
  if (same(status, obj.status)) return false;
  const ns = obj.metadata?.namespace ?? 'default';
  await d.kube.patchStatus(PLURAL[kind], ns, obj.metadata?.name ?? '', status);
  const before = obj.status?.conditions?.find((c) => c.type === 'Ready')?.reason;
  if (before !== verdict.reason) {
    const involved = { ...obj, apiVersion: API_VERSION, kind };
    await d.kube.event(involved, verdict.ready ? 'Normal' : 'Warning', verdict.reason, verdict.message);
  }
  return true;
}
