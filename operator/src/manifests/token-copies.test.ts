import type { V1Namespace, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { TraceTenant } from '../api/types.generated.ts';
import { mutatePod, tenantForPod } from '../webhook/mutate.ts';
import { desiredTokenCopies } from './token-copies.ts';

const namespace = (name: string, labels: Record<string, string> = {}): V1Namespace => ({
  metadata: { name, labels },
});
const settings = { ingesterEndpoint: 'http://koder-trace-ingester.koder-trace.svc:4318' };

describe('desiredTokenCopies', () => {
  it('copies the token of a tenant with only a podSelector into the namespace of the pods it wires', () => {
    const search: TraceTenant = {
      metadata: { name: 'search', namespace: 'team-b' },
      spec: { injection: { podSelector: { matchLabels: { traced: 'yes' } } } },
    };
    const tokens = new Map([['team-b/search-token', 'kt_search']]);
    const apps = namespace('apps');
    const pod: V1Pod = {
      metadata: { name: 'web-1', labels: { traced: 'yes' } },
      spec: { containers: [{ name: 'app', image: 'app' }] },
    };

    // The webhook wires the pod (no namespaceSelector: every namespace)...
    const tenant = tenantForPod(pod, { name: 'apps', labels: {} }, [search]);
    expect(tenant?.metadata?.name).toBe('search');
    const env = mutatePod(pod, 'apps', search, settings)[0]?.value as {
      name: string;
      valueFrom?: { secretKeyRef?: { name: string } };
    }[];
    const secretName = env[0]?.valueFrom?.secretKeyRef?.name;
    expect(secretName).toBe('koder-trace-search-token');

    // ...and the Secret it reads exists in the pod's namespace.
    const copies = desiredTokenCopies(
      [apps, namespace('team-b'), namespace('kube-system')],
      [search],
      tokens,
    );
    const copy = copies.get(`apps/${secretName}`);
    expect(copy?.metadata?.namespace).toBe('apps');
    expect(Buffer.from(copy?.data?.token ?? '', 'base64').toString('utf8')).toBe('kt_search');
    // No copy where the tenant's own Secret already is, nor in system namespaces the webhook never sees.
    expect([...copies.keys()]).toEqual(['apps/koder-trace-search-token']);
  });
});
