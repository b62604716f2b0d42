// The caches are complete before anything may reconcile: against a stand-in API server that answers
// the first list of SamplingPolicies with 429 (as a real one does while its storage for a new CRD
// initialises), startInformers waits for the retried list instead of returning with no policies,
// which made the first reconcile report a false PolicyNotFound.
import type { ServerResponse } from 'node:http';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { slim, startInformers } from './informers.ts';
import { closeStandIns, standInApi } from './stand-in-api.ts';

const open: ServerResponse[] = [];
afterEach(() => {
  for (const res of open.splice(0)) res.destroy();
  closeStandIns();
});

it('resolves only once every cache holds a complete list, a list refused with 429 included', async () => {
  let policyLists = 0;
  const kc = await standInApi((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
      open.push(res); // a watch with nothing to say, kept open
      return;
    }
    const list = (items: unknown[]) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '7' }, items }));
    if (url.pathname.endsWith('/samplingpolicies') && policyLists++ === 0) {
      res.writeHead(429, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          message: 'storage is (re)initializing',
          reason: 'TooManyRequests',
          code: 429,
        }),
      );
      return;
    }
    const meta = (name: string) => ({ name, namespace: 'team-a', resourceVersion: '5', uid: name });
    if (url.pathname.endsWith('/samplingpolicies'))
      return list([{ apiVersion: 'trace.koder.dev/v1alpha1', kind: 'SamplingPolicy', metadata: meta('p') }]);
    if (url.pathname.endsWith('/tracetenants'))
      return list([{ apiVersion: 'trace.koder.dev/v1alpha1', kind: 'TraceTenant', metadata: meta('t') }]);
    return list([]);
  });

  let changes = 0;
  const caches = await startInformers(kc, () => changes++, pino({ level: 'silent' }));
  try {
    expect(policyLists).toBe(2); // refused once, listed again after the backoff
    expect(caches.synced()).toBe(true);
    expect(caches.policies.list().map((p) => p.metadata?.name)).toEqual(['p']);
    expect(caches.tenants.list().map((t) => t.metadata?.name)).toEqual(['t']);
    expect(changes).toBeGreaterThan(0); // a reconcile is requested once all are synced
  } finally {
    await caches.stop();
  }
});

it('slim drops managedFields and kubectl last-applied copy, and keeps everything else', () => {
  const kept = { name: 't', namespace: 'team-a', uid: 'u', resourceVersion: '9', labels: { a: 'b' } };
  const obj = {
    metadata: {
      ...kept,
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{...}', keep: 'me' },
      managedFields: [{ manager: 'kubectl' }],
    },
    spec: { tenantId: 'x' },
  };
  slim(obj);
  expect(obj).toEqual({ metadata: { ...kept, annotations: { keep: 'me' } }, spec: { tenantId: 'x' } });
  const bare = { metadata: { name: 'n' } };
  slim(bare);
  expect(bare).toEqual({ metadata: { name: 'n' } });
});
