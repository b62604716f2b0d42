import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { TraceTenant } from '../api/types.generated.ts';
import { tokenCopyName } from '../naming.ts';
import { matchesSelector, tenantForPod } from '../routing.ts';
import { mutatePod, serviceName } from './mutate.ts';

const settings = { ingesterEndpoint: 'http://koder-trace-ingester.koder-trace.svc:4318' };
const tenant = (name: string, ns: string, spec: TraceTenant['spec'] = {}): TraceTenant => ({
  metadata: { name, namespace: ns },
  spec,
});
const pod = (over: Partial<V1Pod['metadata']> = {}, env?: { name: string; value: string }[]): V1Pod => ({
  metadata: { name: 'web-1', labels: { 'app.kubernetes.io/name': 'web' }, ...over },
  spec: { containers: [{ name: 'app', image: 'app', ...(env ? { env } : {}) }] },
});

describe('tenantForPod', () => {
  const tenants = [
    tenant('support-bot', 'team-a'),
    tenant('search', 'team-b', {
      injection: {
        namespaceSelector: { matchLabels: { team: 'b' } },
        podSelector: { matchLabels: { traced: 'yes' } },
      },
    }),
  ];
  it('follows the namespace label to a tenant of that name', () => {
    expect(
      tenantForPod(pod(), { name: 'team-a', labels: { 'trace.koder.dev/tenant': 'support-bot' } }, tenants)
        ?.metadata?.name,
    ).toBe('support-bot');
    expect(
      tenantForPod(pod(), { name: 'other', labels: { 'trace.koder.dev/tenant': 'support-bot' } }, tenants)
        ?.metadata?.namespace,
    ).toBe('team-a');
    expect(
      tenantForPod(pod(), { name: 'other', labels: { 'trace.koder.dev/tenant': 'nobody' } }, tenants),
    ).toBeUndefined();
  });
  it("uses a tenant's injection selectors", () => {
    const traced = pod({ labels: { traced: 'yes' } });
    expect(tenantForPod(traced, { name: 'x', labels: { team: 'b' } }, tenants)?.metadata?.name).toBe(
      'search',
    );
    expect(tenantForPod(pod(), { name: 'x', labels: { team: 'b' } }, tenants)).toBeUndefined();
    expect(tenantForPod(traced, { name: 'x', labels: {} }, tenants)).toBeUndefined();
  });
  it('lets a pod opt out', () => {
    const out = pod({ annotations: { 'trace.koder.dev/inject': 'false' } });
    expect(
      tenantForPod(out, { name: 'team-a', labels: { 'trace.koder.dev/tenant': 'support-bot' } }, tenants),
    ).toBeUndefined();
  });
});

describe('mutatePod', () => {
  const tt = tenant('support-bot', 'team-a', { tenantId: 'support' });
  it('adds the OTEL variables with the token from a Secret, never in plain text', () => {
    const ops = mutatePod(pod(), 'team-a', tt, settings);
    const env = ops[0]?.value as { name: string; value?: string; valueFrom?: unknown }[];
    expect(ops[0]?.path).toBe('/spec/containers/0/env');
    expect(env.map((e) => e.name)).toEqual([
      'KODER_TRACE_TOKEN',
      'KODER_K8S_POD_NAME',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'OTEL_EXPORTER_OTLP_HEADERS',
      'OTEL_SERVICE_NAME',
      'OTEL_RESOURCE_ATTRIBUTES',
    ]);
    expect(env[0]?.valueFrom).toEqual({ secretKeyRef: { name: 'support-bot-token', key: 'token' } });
    expect(env.find((e) => e.name === 'OTEL_EXPORTER_OTLP_HEADERS')?.value).toBe(
      'Authorization=Bearer%20$(KODER_TRACE_TOKEN)',
    );
    expect(env.find((e) => e.name === 'OTEL_RESOURCE_ATTRIBUTES')?.value).toBe(
      'k8s.namespace.name=team-a,k8s.pod.name=$(KODER_K8S_POD_NAME),koder.tenant=support',
    );
    expect(ops.slice(-2)).toEqual([
      { op: 'add', path: '/metadata/annotations/trace.koder.dev~1injected', value: 'support' },
      {
        op: 'add',
        path: '/metadata/annotations/trace.koder.dev~1ingester-endpoint',
        value: settings.ingesterEndpoint,
      },
    ]);
  });
  it("uses the operator's copy of the token Secret in other namespaces", () => {
    const env = mutatePod(pod(), 'apps', tt, settings)[0]?.value as {
      valueFrom?: { secretKeyRef?: { name: string } };
    }[];
    expect(env[0]?.valueFrom?.secretKeyRef?.name).toBe(tokenCopyName(tt));
  });
  it("lets a container's own OTEL values win", () => {
    const ops = mutatePod(pod({}, [{ name: 'OTEL_SERVICE_NAME', value: 'mine' }]), 'team-a', tt, settings);
    const env = ops[0]?.value as { name: string; value?: string }[];
    expect(env.filter((e) => e.name === 'OTEL_SERVICE_NAME')).toEqual([
      { name: 'OTEL_SERVICE_NAME', value: 'mine' },
    ]);
  });
  it('changes nothing on re-admission', () => {
    const first = mutatePod(pod(), 'team-a', tt, settings);
    const injected = pod({ annotations: {} }, first[0]?.value as { name: string; value: string }[]);
    expect(mutatePod(injected, 'team-a', tt, settings)).toEqual([]);
  });
});

describe('serviceName', () => {
  it('prefers app.kubernetes.io/name, then the Deployment behind a ReplicaSet', () => {
    expect(serviceName(pod())).toBe('web');
    const rs: V1Pod = {
      metadata: {
        name: 'api-7d9f-abcde',
        labels: { 'pod-template-hash': '7d9f' },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-7d9f', uid: 'u', controller: true },
        ],
      },
    };
    expect(serviceName(rs)).toBe('api');
  });
});

describe('matchesSelector', () => {
  it('implements matchLabels and every matchExpressions operator', () => {
    const labels = { a: '1', b: '2' };
    expect(matchesSelector({}, labels)).toBe(true);
    expect(matchesSelector({ matchLabels: { a: '1' } }, labels)).toBe(true);
    expect(
      matchesSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '3'] }] }, labels),
    ).toBe(true);
    expect(
      matchesSelector({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, labels),
    ).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'c', operator: 'Exists' }] }, labels)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'c', operator: 'DoesNotExist' }] }, labels)).toBe(
      true,
    );
  });
});
