import type { V1Deployment, V1Namespace, V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { TraceTenant } from '../api/types.generated.ts';
import {
  createRollout,
  type DeploymentsApi,
  INJECTED_CONFIG_ANNOTATION,
  injectedConfigDigest,
  ROLL_ANNOTATION,
  rolloutPatch,
  type Wiring,
} from './rollout.ts';
import { MAX_REWIRES, REWIRED_ANNOTATION } from './rollout-check.ts';

const ENDPOINT = 'http://kt-ingester.koder.svc:4318';
const bot: TraceTenant = { metadata: { name: 'bot', namespace: 'team-a' }, spec: {} };
const teamA: V1Namespace = { metadata: { name: 'team-a', labels: { 'trace.koder.dev/tenant': 'bot' } } };
const wiring = (token: string | undefined, tenant: TraceTenant = bot): Wiring => ({
  tenants: [tenant],
  namespaces: [teamA, { metadata: { name: 'plain' } }],
  tokenOf: () => token,
});
const deployment = (
  name: string,
  annotations: Record<string, string> = {},
  namespace = 'team-a',
  podAnnotations: Record<string, string> = {},
): V1Deployment => ({
  metadata: { name, namespace, annotations },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name }, annotations: podAnnotations } },
  },
});

describe('injectedConfigDigest', () => {
  it('changes with the token, the tenant id and the endpoint, and is "none" where nothing is wired', () => {
    const d = deployment('web');
    const a = injectedConfigDigest(d, wiring('kt_1'), ENDPOINT);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(injectedConfigDigest(d, wiring('kt_1'), ENDPOINT)).toBe(a);
    expect(injectedConfigDigest(d, wiring('kt_2'), ENDPOINT)).not.toBe(a);
    expect(injectedConfigDigest(d, wiring('kt_1'), 'http://other:4318')).not.toBe(a);
    const renamed = { ...bot, spec: { tenantId: 'bot-prod' } };
    expect(injectedConfigDigest(d, wiring('kt_1', renamed), ENDPOINT)).not.toBe(a);
    expect(injectedConfigDigest(deployment('web', {}, 'plain'), wiring('kt_1'), ENDPOINT)).toBe('none');
    // Pods that opt out of injection get nothing, whatever the namespace says.
    const optOut = deployment('web', {}, 'team-a', { 'trace.koder.dev/inject': 'false' });
    expect(injectedConfigDigest(optOut, wiring('kt_1'), ENDPOINT)).toBe('none');
    // A token not known in this run decides nothing.
    expect(injectedConfigDigest(d, wiring(undefined), ENDPOINT)).toBeUndefined();
  });
});

describe('rolloutPatch', () => {
  const optedIn = (seen?: string) =>
    deployment('web', { [ROLL_ANNOTATION]: 'true', ...(seen ? { [INJECTED_CONFIG_ANNOTATION]: seen } : {}) });

  it('leaves Deployments that did not opt in alone', () => {
    expect(rolloutPatch(deployment('web'), 'b', 'a')).toBeUndefined();
    expect(rolloutPatch(deployment('web', { [ROLL_ANNOTATION]: 'false' }), 'b', 'a')).toBeUndefined();
  });

  it('rolls (pod template annotation) when the digest differs from the one recorded or last run', () => {
    const fromRecord = rolloutPatch(optedIn('a'), 'b', undefined);
    expect(fromRecord?.rolls).toBe(true);
    expect(fromRecord?.patch).toEqual({
      metadata: { annotations: { [INJECTED_CONFIG_ANNOTATION]: 'b' } },
      spec: { template: { metadata: { annotations: { [INJECTED_CONFIG_ANNOTATION]: 'b' } } } },
    });
    expect(rolloutPatch(optedIn(), 'b', 'a')?.rolls).toBe(true);
  });

  it('only records the digest when opting in (nothing known before) or when it was not recorded yet', () => {
    const first = rolloutPatch(optedIn(), 'a', undefined);
    expect(first).toEqual({
      patch: { metadata: { annotations: { [INJECTED_CONFIG_ANNOTATION]: 'a' } } },
      rolls: false,
    });
    expect(rolloutPatch(optedIn(), 'a', 'a')?.rolls).toBe(false);
    expect(rolloutPatch(optedIn('a'), 'a', 'a')).toBeUndefined();
    expect(rolloutPatch(optedIn('a'), undefined, 'a')).toBeUndefined(); // token unknown: wait
  });
});

/** The Deployments as the API server would hold them, with merge patches applied. */
function memoryApi(items: V1Deployment[], livePods: V1Pod[] = []) {
  const calls: { list: (string | undefined)[]; patched: string[]; pods: string[] } = {
    list: [],
    patched: [],
    pods: [],
  };
  const api: DeploymentsApi = {
    async pods(namespace, selector) {
      calls.pods.push(`${namespace} ${selector}`);
      return structuredClone(livePods.filter((p) => p.metadata?.namespace === namespace));
    },
    async list(namespace) {
      calls.list.push(namespace);
      return structuredClone(items.filter((d) => !namespace || d.metadata?.namespace === namespace));
    },
    async patch(namespace, name, patch) {
      const d = items.find((x) => x.metadata?.namespace === namespace && x.metadata?.name === name);
      if (!d) throw new Error(`deployments "${name}" not found`);
      const p = patch as {
        metadata?: { annotations?: Record<string, string> };
        spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
      };
      const meta = d.metadata ?? {};
      meta.annotations = { ...meta.annotations, ...p.metadata?.annotations };
      d.metadata = meta;
      const template = d.spec?.template;
      if (template && p.spec?.template?.metadata?.annotations) {
        const tm = template.metadata ?? {};
        tm.annotations = { ...tm.annotations, ...p.spec.template.metadata.annotations };
        template.metadata = tm;
      }
      calls.patched.push(`${namespace}/${name}`);
    },
  };
  return { api, calls };
}

describe('createRollout', () => {
  const log = pino({ level: 'silent' });

  it('records on the first run, rolls opted-in Deployments on a token change, and lists only changed namespaces', async () => {
    const web = deployment('web', { [ROLL_ANNOTATION]: 'true' });
    const other = deployment('other'); // not opted in
    const { api, calls } = memoryApi([web, other]);
    const run = createRollout({ api, ingesterEndpoint: ENDPOINT, log, canWrite: () => true });

    expect(await run(wiring('kt_1'))).toBe(1); // recorded
    expect(calls.list).toEqual([undefined]);
    const recorded = web.metadata?.annotations?.[INJECTED_CONFIG_ANNOTATION];
    expect(recorded).toBeDefined();
    expect(web.spec?.template.metadata?.annotations?.[INJECTED_CONFIG_ANNOTATION]).toBeUndefined();

    expect(await run(wiring('kt_1'))).toBe(0); // nothing changed: no request at all
    expect(calls.list).toEqual([undefined]);

    expect(await run(wiring('kt_2'))).toBe(1); // the token rotated: rolled
    expect(calls.list).toEqual([undefined, 'team-a']);
    const rolled = web.spec?.template.metadata?.annotations?.[INJECTED_CONFIG_ANNOTATION];
    expect(rolled).toBeDefined();
    expect(rolled).not.toBe(recorded);
    expect(other.metadata?.annotations).toEqual({});
    expect(other.spec?.template.metadata?.annotations).toEqual({});
  });

  it('a Deployment that opted in after the last run is rolled from the wiring its pods got', async () => {
    const web = deployment('web');
    const { api } = memoryApi([web]);
    const run = createRollout({ api, ingesterEndpoint: ENDPOINT, log, canWrite: () => true });
    expect(await run(wiring('kt_1'))).toBe(0);
    (web.metadata as { annotations: Record<string, string> }).annotations[ROLL_ANNOTATION] = 'true';
    expect(await run(wiring('kt_2'))).toBe(1);
    expect(web.spec?.template.metadata?.annotations?.[INJECTED_CONFIG_ANNOTATION]).toBeDefined();
  });

  it('writes nothing when not the leader, and tries the same namespaces again on the next run', async () => {
    const web = deployment('web', { [ROLL_ANNOTATION]: 'true' });
    const { api, calls } = memoryApi([web]);
    let leader = true;
    const run = createRollout({ api, ingesterEndpoint: ENDPOINT, log, canWrite: () => leader });
    await run(wiring('kt_1'));
    leader = false;
    await expect(run(wiring('kt_2'))).rejects.toThrow(/not the leader/);
    expect(calls.patched).toEqual(['team-a/web']);
    leader = true;
    expect(await run(wiring('kt_2'))).toBe(1);
    expect(calls.patched).toEqual(['team-a/web', 'team-a/web']);
  });

  /** A pod of the Deployment's current template, stamped by a webhook with `endpoint`. */
  /** A pod of the Deployment's current template (its annotations), stamped by a webhook with `endpoint`. */
  const podOf = (d: V1Deployment, endpoint: string, name = 'web-1'): V1Pod => ({
    metadata: {
      name,
      namespace: 'team-a',
      annotations: {
        ...d.spec?.template.metadata?.annotations,
        'trace.koder.dev/injected': 'bot',
        'trace.koder.dev/ingester-endpoint': endpoint,
      },
    },
  });

  it('rolls again when the rolled pods were wired by an outdated webhook, then stops watching', async () => {
    const web = deployment('web', { [ROLL_ANNOTATION]: 'true' });
    const live: V1Pod[] = [];
    const { api, calls } = memoryApi([web], live);
    let rechecks = 0;
    const run = createRollout({
      api,
      ingesterEndpoint: ENDPOINT,
      log,
      canWrite: () => true,
      recheck: () => rechecks++,
    });
    await run(wiring('kt_1'));
    expect(await run(wiring('kt_2'))).toBe(1); // rolled
    // The new template's pod, admitted by an operator replica that still had the old endpoint.
    live.push(podOf(web, 'http://old-ingester:4318'));
    expect(await run(wiring('kt_2'))).toBe(1);
    expect(web.spec?.template.metadata?.annotations?.[REWIRED_ANNOTATION]).toBe('1');
    expect(calls.pods.at(-1)).toBe('team-a app=web');
    // The next pod is wired right: once every pod is of the new template, the watch ends.
    live.splice(0, 1, podOf(web, ENDPOINT, 'web-2'));
    expect(await run(wiring('kt_2'))).toBe(0);
    const checks = calls.pods.length;
    await run(wiring('kt_2'));
    expect(calls.pods.length).toBe(checks);
    expect(web.spec?.template.metadata?.annotations?.[REWIRED_ANNOTATION]).toBe('1');
  });

  it('gives up after a few re-rolls, and checks Deployments found rolled on its first run', async () => {
    const web = deployment('web', { [ROLL_ANNOTATION]: 'true' });
    const first = memoryApi([web]);
    const earlier = createRollout({ api: first.api, ingesterEndpoint: ENDPOINT, log, canWrite: () => true });
    await earlier(wiring('kt_1'));
    await earlier(wiring('kt_2')); // rolled by a process that then stopped
    const live = [podOf(web, 'http://old-ingester:4318')];
    const { api, calls } = memoryApi([web], live);
    const run = createRollout({ api, ingesterEndpoint: ENDPOINT, log, canWrite: () => true });
    expect(await run(wiring('kt_2'))).toBe(1); // found on the first run, its pod mis-wired: rolled again
    // Each re-roll's new pod is wired by an outdated webhook again.
    for (let i = 0; i < 5; i++) {
      live.splice(0, 1, podOf(web, 'http://old-ingester:4318', `web-${i + 2}`));
      await run(wiring('kt_2'));
    }
    expect(web.spec?.template.metadata?.annotations?.[REWIRED_ANNOTATION]).toBe(String(MAX_REWIRES));
    expect(calls.patched.length).toBe(MAX_REWIRES);
  });
});
