import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { misWiredPods, rewirePatch, rolledOut, selectorOf } from './rollout-check.ts';

const DIGEST = 'trace.koder.dev/injected-config';
const pod = (annotations: Record<string, string>, deleting = false): V1Pod => ({
  metadata: { name: 'p', annotations, ...(deleting ? { deletionTimestamp: new Date() } : {}) },
});
const expected = { digest: 'd2', rewired: '', endpoint: 'http://new:4318', tenantId: 'bot' };
const wired = (digest: string, endpoint: string, tenant = 'bot') => ({
  [DIGEST]: digest,
  'trace.koder.dev/ingester-endpoint': endpoint,
  'trace.koder.dev/injected': tenant,
});

describe('misWiredPods', () => {
  it('finds live pods of the new template whose stamps differ from the wiring they were rolled for', () => {
    const pods = [
      pod(wired('d2', 'http://new:4318')), // right
      pod(wired('d2', 'http://old:4318')), // old endpoint
      pod(wired('d2', 'http://new:4318', 'other')), // another tenant
      pod(wired('d1', 'http://old:4318')), // old template: its roll is the Deployment controller's
      pod(wired('d2', 'http://old:4318'), true), // going away
      pod({ [DIGEST]: 'd2', 'trace.koder.dev/injected': 'bot' }), // stamped by an older operator: not judged
      pod({ [DIGEST]: 'd2' }), // admitted while no webhook answered (fail open): not wired at all
      pod({ ...wired('d2', 'http://old:4318'), 'trace.koder.dev/rewired': '1' }), // an earlier re-roll's
    ];
    expect(misWiredPods(pods, expected)).toEqual([pods[1], pods[2], pods[6]]);
    // Once re-rolled, only the new template's pods are judged.
    expect(misWiredPods(pods, { ...expected, rewired: '1' })).toEqual([pods[7]]);
  });
  it('a pod wired although its template should be wired to nothing is mis-wired', () => {
    const none = { ...expected, tenantId: undefined };
    expect(misWiredPods([pod(wired('d2', 'http://new:4318'))], none)).toHaveLength(1);
    expect(misWiredPods([pod({ [DIGEST]: 'd2' })], none)).toHaveLength(0);
  });
});

describe('rolledOut', () => {
  it('is true once every live pod is of the current template', () => {
    const now = { digest: 'd2', rewired: '' };
    expect(rolledOut([pod({ [DIGEST]: 'd2' }), pod({ [DIGEST]: 'd1' }, true)], now)).toBe(true);
    expect(rolledOut([pod({ [DIGEST]: 'd2' }), pod({ [DIGEST]: 'd1' })], now)).toBe(false);
    expect(rolledOut([pod({ [DIGEST]: 'd2' })], { digest: 'd2', rewired: '1' })).toBe(false);
  });
});

describe('rewirePatch', () => {
  it('counts the re-rolls on the pod template', () => {
    expect(rewirePatch({ spec: { selector: {}, template: {} } })).toEqual({
      patch: { spec: { template: { metadata: { annotations: { 'trace.koder.dev/rewired': '1' } } } } },
      count: 1,
    });
    const again = rewirePatch({
      spec: { selector: {}, template: { metadata: { annotations: { 'trace.koder.dev/rewired': '2' } } } },
    });
    expect(again.count).toBe(3);
  });
});

describe('selectorOf', () => {
  it('writes matchLabels and matchExpressions as a label selector', () => {
    expect(
      selectorOf({
        spec: {
          template: {},
          selector: {
            matchLabels: { app: 'web', tier: 'front' },
            matchExpressions: [
              { key: 'env', operator: 'In', values: ['a', 'b'] },
              { key: 'canary', operator: 'DoesNotExist' },
              { key: 'team', operator: 'Exists' },
              { key: 'zone', operator: 'NotIn', values: ['x'] },
            ],
          },
        },
      }),
    ).toBe('app=web,tier=front,env in (a,b),!canary,team,zone notin (x)');
  });
});
