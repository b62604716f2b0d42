// The MutatingWebhookConfiguration the operator applies, with the CA that signed its serving
// certificate. Only pods are mutated, only on create, and failures are ignored (fail open).
import type { V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import type { WebhookConfig } from '../config.ts';
import { INSTANCE_LABEL, MANAGED_BY, MUTATE_PATH, POD_WEBHOOK_NAME } from '../naming.ts';
import { SYSTEM_NAMESPACES } from '../routing.ts';

export function webhookConfiguration(
  name: string,
  target: WebhookConfig['target'],
  caPem: string,
  /** The operator's INSTANCE_LABEL value (instanceOf). */
  instance: string,
): V1MutatingWebhookConfiguration {
  const caBundle = Buffer.from(caPem).toString('base64');
  const clientConfig =
    'url' in target
      ? { url: `${target.url}${MUTATE_PATH}`, caBundle }
      : { service: { ...target.service, path: MUTATE_PATH }, caBundle };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name, labels: { ...MANAGED_BY, [INSTANCE_LABEL]: instance } },
    webhooks: [
      {
        name: POD_WEBHOOK_NAME,
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
        // Never the system's namespaces. The operator's own pods are kept out by their
        // trace.koder.dev/inject: "false" annotation (set by the chart), not by this selector.
        namespaceSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...SYSTEM_NAMESPACES] },
          ],
        },
      },
    ],
  };
}
