// The MutatingWebhookConfiguration the operator applies, with the CA that signed its serving
// certificate. Only pods are mutated, only on create, and failures are ignored (fail open).
import type { V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import { MUTATE_PATH } from '../webhook/server.ts';
import { MANAGED_BY } from './configmaps.ts';

export type WebhookTarget = { url: string } | { service: { namespace: string; name: string; port: number } };

export function webhookConfiguration(
  name: string,
  target: WebhookTarget,
  caPem: string,
): V1MutatingWebhookConfiguration {
  const clientConfig =
    'url' in target
      ? { url: `${target.url}${MUTATE_PATH}`, caBundle: Buffer.from(caPem).toString('base64') }
      : {
          service: { ...target.service, path: MUTATE_PATH },
          caBundle: Buffer.from(caPem).toString('base64'),
        };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name, labels: MANAGED_BY },
    webhooks: [
      {
        name: 'pods.trace.koder.dev',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Ignore',
        reinvocationPolicy: 'IfNeeded',
        timeoutSeconds: 5,
        clientConfig,
        rules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: ['CREATE'],
            resources: ['pods'],
            scope: 'Namespaced',
          },
        ],
        // Never our own namespace or the system's: the operator must not depend on itself.
        namespaceSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public'] },
          ],
        },
      },
    ],
  };
}
