// The ConfigMaps at scale: policies stored once, packed tenants past the plain form's size, the
// newest tenants left out (and named) when even that does not fit — and always a config the ingester
// (and Tempo's YAML reader, through anchors) accepts.

import { parseConfig } from '@koder-trace/ingester/config';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { SamplingPolicy, TraceTenant } from '../api/types.generated.ts';
import { compile } from '../compile/compile.ts';
import { CONFIGMAP_MAX_BYTES, parseOperatorArgs } from '../config.ts';
import { ingesterConfigMap, tempoOverridesConfigMap } from './configmaps.ts';

const cfg = parseOperatorArgs(['--namespace', 'koder-trace'], {});
type Rules = NonNullable<NonNullable<SamplingPolicy['spec']>['rules']>;
const rules = Array.from({ length: 64 }, (_, i) => ({
  name: `rule-${i}`,
  probability: 0.5,
  match: [{ field: 'attribute.gen_ai.request.model', op: 'regex', value: `^model-${i}-.*$` }],
})) as Rules;

function cluster(n: number, opts: { retention?: (i: number) => string } = {}) {
  const policies: SamplingPolicy[] = [
    { metadata: { name: 'big', namespace: 'team-a' }, spec: { defaultProbability: 0.2, rules } },
  ];
  const tenants: TraceTenant[] = [];
  const tokens = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const name = `tenant-${String(i).padStart(5, '0')}`;
    tenants.push({
      metadata: {
        name,
        namespace: 'team-a',
        creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) as never,
      },
      spec: {
        samplingPolicyRef: { name: 'big' },
        ...(opts.retention ? { retention: opts.retention(i) } : {}),
      },
    });
    tokens.set(`team-a/${name}-token`, `kt_${name}_${(i * 2654435761) % 1e9}`);
  }
  return compile({ tenants, policies, tokens });
}

const text = (cm: { data?: Record<string, string> }) => Object.values(cm.data ?? {})[0] ?? '';

describe('ingester ConfigMap at scale', () => {
  it('stores a shared policy once and leaves defaults out', () => {
    const { configMap, leftOut } = ingesterConfigMap(cluster(50), cfg);
    expect(leftOut).toEqual([]);
    const doc = yaml.load(text(configMap)) as {
      policies: Record<string, unknown>;
      tenants: Record<string, unknown>[];
    };
    expect(Object.keys(doc.policies)).toEqual(['team-a/big']);
    expect(doc.tenants[0]).toEqual({
      id: 'tenant-00000',
      tokenSha256: [expect.stringMatching(/^[0-9a-f]{64}$/)],
      samplingRef: 'team-a/big',
    });
    const parsed = parseConfig(text(configMap));
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    expect(parsed.config.tenants[3]?.samplingRef).toBe('team-a/big');
  });

  it("keeps each tenant's readers (tokens, people, groups), write-only ingest token and prompt registry, plain or packed", () => {
    const tenant = (name: string): TraceTenant => ({
      metadata: { name, namespace: 'team-a' },
      spec: {
        read: {
          tokenSecrets: ['readers'],
          ingestTokenReads: false,
          users: ['alice@example.com'],
          groups: ['sre'],
        },
        promptRegistry: {
          url: 'https://registry.example/hooks',
          signingSecretRef: { name: 'reg', key: 'k' },
        },
      },
    });
    const tokens = new Map([
      ['team-a/bot-token', 'kt_ingest'],
      ['team-a/readers', 'kt_read'],
    ]);
    const out = compile({
      tenants: [tenant('bot')],
      policies: [],
      tokens,
      registrySecretDir: '/etc/koder-trace-registry',
      registrySecrets: new Set(['team-a/reg/k']),
    });
    const compiled = out.tenants[0];
    expect(compiled?.readTokenSha256).toHaveLength(1);
    for (const budget of [undefined, 1200]) {
      // A budget too small for the plain list packs the tenants.
      const { configMap } = ingesterConfigMap(out, cfg, budget);
      const parsed = parseConfig(text(configMap));
      if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
      const t = parsed.config.tenants[0];
      expect(t?.readTokenSha256).toEqual(compiled?.readTokenSha256);
      expect(t?.ingestTokenReads).toBe(false);
      expect([t?.readUsers, t?.readGroups]).toEqual([['alice@example.com'], ['sre']]);
      expect(t?.promptRegistry?.url).toBe('https://registry.example/hooks');
    }
  });

  it('has the ingesters find each other through their headless Service when given one', () => {
    const peered = parseOperatorArgs(
      ['--namespace', 'koder-trace', '--ingester-peer-service', 'koder-trace-ingester-peers'],
      {},
    );
    const parsed = parseConfig(text(ingesterConfigMap(cluster(2), peered).configMap));
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    expect(parsed.config.cluster).toMatchObject({
      discovery: { service: 'koder-trace-ingester-peers', namespace: 'koder-trace', portName: 'peer' },
      secretFile: '/etc/koder-trace-peer/secret',
      peers: [],
    });
    const tls = parseConfig(
      text(
        ingesterConfigMap(
          cluster(2),
          parseOperatorArgs(
            [
              '--ingester-peer-service=koder-trace-ingester-peers',
              '--ingester-peer-tls-server-name=koder-trace-ingester-peers',
            ],
            {},
          ),
        ).configMap,
      ),
    );
    expect(tls.ok && tls.config.cluster.tls).toEqual({
      certFile: '/etc/koder-trace-peer-tls/tls.crt',
      keyFile: '/etc/koder-trace-peer-tls/tls.key',
      caFile: '/etc/koder-trace-peer-tls/ca.crt',
      serverName: 'koder-trace-ingester-peers',
    });
    const alone = parseConfig(text(ingesterConfigMap(cluster(2), cfg).configMap));
    expect(alone.ok && alone.config.cluster.discovery).toBeUndefined();
  });

  it('fits 10,000 tenants in one ConfigMap by packing them, read back whole by the ingester', () => {
    const out = cluster(10_000);
    const { configMap, leftOut } = ingesterConfigMap(out, cfg);
    expect(leftOut).toEqual([]);
    const size = Buffer.byteLength(text(configMap));
    expect(size).toBeLessThan(CONFIGMAP_MAX_BYTES);
    const parsed = parseConfig(text(configMap));
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    expect(parsed.config.tenants.map((t) => t.id)).toEqual(out.tenants.map((t) => t.id));
    expect(parsed.config.tenants[9_999]?.tokenSha256).toEqual(out.tenants[9_999]?.tokenSha256);
    const tempo = tempoOverridesConfigMap(out, cfg);
    expect(tempo.leftOut).toEqual([]);
    expect(Buffer.byteLength(text(tempo.configMap))).toBeLessThan(CONFIGMAP_MAX_BYTES);
    const overrides = (yaml.load(text(tempo.configMap)) as { overrides: Record<string, unknown> }).overrides;
    expect(Object.keys(overrides)).toHaveLength(10_000);
    expect(overrides['tenant-09999']).toEqual(out.tempoOverrides.overrides['tenant-09999']);
  }, 30_000); // about 2 s alone; the shared machine may be several times slower

  it('leaves the newest tenants out, and names them, when even the packed form does not fit', () => {
    const out = cluster(400);
    const { configMap, leftOut } = ingesterConfigMap(out, cfg, 16 * 1024);
    expect(leftOut.length).toBeGreaterThan(0);
    expect(leftOut.at(-1)).toBe('tenant-00399'); // the newest
    expect(Buffer.byteLength(text(configMap)) + 'config.yaml'.length).toBeLessThanOrEqual(16 * 1024);
    const parsed = parseConfig(text(configMap));
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    expect(parsed.config.tenants).toHaveLength(400 - leftOut.length);
    expect(parsed.config.tenants.map((t) => t.id)).toContain('tenant-00000');
  });

  it('anchors equal Tempo blocks whether or not compile handed them over as one object', () => {
    const out = cluster(50);
    const cloned = Object.fromEntries(
      Object.entries(out.tempoOverrides.overrides).map(([id, block]) => [id, structuredClone(block)]),
    );
    const apart = tempoOverridesConfigMap({ ...out, tempoOverrides: { overrides: cloned } }, cfg);
    const shared = text(tempoOverridesConfigMap(out, cfg).configMap);
    expect(text(apart.configMap)).toBe(shared);
    expect(shared.match(/\*ref_0/g)).toHaveLength(49);
  });

  it('keeps distinct Tempo blocks apart, and leaves the newest out when full', () => {
    const out = cluster(300, { retention: (i) => `${i + 1}h` });
    const tempo = tempoOverridesConfigMap(out, cfg, 32 * 1024);
    expect(tempo.leftOut.length).toBeGreaterThan(0);
    expect(tempo.leftOut.at(-1)).toBe('tenant-00299');
    const overrides = (
      yaml.load(text(tempo.configMap)) as {
        overrides: Record<string, { compaction: { block_retention: string } }>;
      }
    ).overrides;
    expect(overrides['tenant-00001']?.compaction.block_retention).toBe('2h');
  });
});
