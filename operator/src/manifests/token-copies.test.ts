import type { V1Namespace, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { TraceTenant } from '../api/types.generated.ts';
import { tokenCopyName } from '../naming.ts';
import { tenantForPod } from '../routing.ts';
import { mutatePod } from '../webhook/mutate.ts';
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
    expect(secretName).toBe(tokenCopyName(search));
    expect(secretName).toMatch(/^koder-trace-search-[0-9a-f]{10}-token$/);

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
    expect([...copies.keys()]).toEqual([`apps/${secretName}`]);
  });

  it('gives same-named tenants of different namespaces separate copies, and wires the pod to its own', () => {
    const shared = (ns: string): TraceTenant => ({
      metadata: { name: 'shared', namespace: ns },
      spec: { injection: { namespaceSelector: { matchLabels: { tier: 'web' } } } },
    });
    const [x, y] = [shared('team-x'), shared('team-y')];
    const tokens = new Map([
      ['team-x/shared-token', 'kt_x'],
      ['team-y/shared-token', 'kt_y'],
    ]);
    const copies = desiredTokenCopies([namespace('web1', { tier: 'web' })], [y, x], tokens);
    expect(copies.size).toBe(2);
    const tokenOf = (name: string) =>
      Buffer.from(copies.get(`web1/${name}`)?.data?.token ?? '', 'base64').toString('utf8');
    expect(tokenOf(tokenCopyName(x))).toBe('kt_x');
    expect(tokenOf(tokenCopyName(y))).toBe('kt_y');
    const pod: V1Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'app' }] } };
    const wired = tenantForPod(pod, { name: 'web1', labels: { tier: 'web' } }, [y, x]);
    const env = mutatePod(pod, 'web1', wired as TraceTenant, settings)[0]?.value as {
      name: string;
      valueFrom?: { secretKeyRef?: { name: string } };
    }[];
    expect(tokenOf(env[0]?.valueFrom?.secretKeyRef?.name ?? '')).toBe('kt_x');
  });
});
