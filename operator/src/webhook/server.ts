// The admission webhook server: AdmissionReview v1 in, a JSON Patch out. It fails open by design:
// any error here admits the pod unchanged (and the webhook is registered with failurePolicy Ignore),
// because an observability add-on must never stop a workload from starting.
import { createServer, type Server } from 'node:https';
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { TraceTenant } from '../api/types.generated.ts';
import { MUTATE_PATH } from '../naming.ts';
import { tenantForPod } from '../routing.ts';
import { type InjectionSettings, mutatePod } from './mutate.ts';

interface AdmissionReview {
  apiVersion: string;
  kind: string;
  request?: { uid: string; namespace?: string; object?: V1Pod; dryRun?: boolean };
}

export interface WebhookDeps {
  tenants: () => readonly TraceTenant[];
  namespaceLabels: (name: string) => Record<string, string> | undefined;
  settings: InjectionSettings;
  log: Logger;
}

function review(body: AdmissionReview, deps: WebhookDeps): unknown {
  const uid = body.request?.uid ?? '';
  const allow = (patch?: unknown[]) => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: true,
      ...(patch?.length
        ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') }
        : {}),
    },
  });
  const pod = body.request?.object;
  const ns = body.request?.namespace ?? pod?.metadata?.namespace;
  if (!pod || !ns) return allow();
  const tenant = tenantForPod(pod, { name: ns, labels: deps.namespaceLabels(ns) ?? {} }, deps.tenants());
  if (!tenant) return allow();
  const patch = mutatePod(pod, ns, tenant, deps.settings);
  if (patch.length)
    deps.log.info(
      { namespace: ns, pod: pod.metadata?.name ?? pod.metadata?.generateName, tenant: tenant.metadata?.name },
      'pod wired to tenant',
    );
  return allow(patch);
}

export function createWebhookServer(deps: WebhookDeps, tls: { cert: string; key: string }): Server {
  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    if (req.method !== 'POST' || req.url?.split('?')[0] !== MUTATE_PATH) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: AdmissionReview = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' };
      let out: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdmissionReview;
        out = review(body, deps);
      } catch (err) {
        deps.log.error({ err: String(err) }, 'admission review failed; admitting unchanged (fail open)');
        out = {
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: { uid: body.request?.uid ?? '', allowed: true },
        };
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  return server;
}
