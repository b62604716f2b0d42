// Golden tests for every object the operator writes, built from the compile test's input.
import { readFileSync, writeFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { makeValidator } from '../api/crds.ts';
import type { SamplingPolicy, TraceTenant } from '../api/types.generated.ts';
import { compile, keyOf } from '../compile/compile.ts';
import { parseOperatorArgs } from '../config.ts';
import { ingesterConfigMap, tempoOverridesConfigMap } from './configmaps.ts';
import { policyStatus, tenantStatus } from './status.ts';
import { tokenSecret } from './token-secret.ts';

function must<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('missing outcome');
  return v;
}

const input = new URL('../compile/testdata/tenants.input.yaml', import.meta.url);
const golden = new URL('./testdata/objects.golden.yaml', import.meta.url);

describe('generated objects (golden)', () => {
  it('ConfigMaps, token Secret and statuses', () => {
    type Doc = {
      kind: string;
      metadata?: { name?: string; namespace?: string };
      stringData?: { token: string };
    };
    const docs = yaml.loadAll(readFileSync(input, 'utf8')) as Doc[];
    const tenants = docs.filter((d) => d.kind === 'TraceTenant') as TraceTenant[];
    const policies = docs.filter((d) => d.kind === 'SamplingPolicy') as SamplingPolicy[];
    for (const d of tenants) makeValidator('TraceTenant')(d);
    for (const d of policies) makeValidator('SamplingPolicy')(d);
    const tokens = new Map(
      docs.filter((d) => d.kind === 'Secret').map((d) => [keyOf(d), d.stringData?.token ?? '']),
    );
    const out = compile({ tenants, policies, tokens });
    const cfg = parseOperatorArgs(
      ['--namespace', 'koder-trace', '--tempo-endpoint', 'tempo-distributor:4317'],
      {},
    );
    const now = new Date('2026-11-25T10:00:00Z');
    const search = tenants.find((t) => t.metadata?.name === 'search') as TraceTenant;
    search.metadata = { ...search.metadata, uid: '00000000-0000-0000-0000-000000000001' };
    const objects = [
      ingesterConfigMap(out, cfg).configMap,
      tempoOverridesConfigMap(out, cfg).configMap,
      tokenSecret(search, 'kt_example'),
      ...tenants.map((t) => ({
        tenant: keyOf(t),
        status: tenantStatus(must(out.tenantOutcomes.get(keyOf(t))), 1, undefined, now),
      })),
      ...policies.map((p) => ({
        policy: keyOf(p),
        status: policyStatus(must(out.policyOutcomes.get(keyOf(p))), 3, undefined, now),
      })),
    ];
    const rendered = objects.map((o) => yaml.dump(o, { lineWidth: 120 })).join('---\n');
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, rendered);
    expect(rendered).toBe(readFileSync(golden, 'utf8'));
  });

  it('keeps lastTransitionTime while the Ready status does not change', () => {
    const verdict = {
      tenantId: 't',
      secretName: 's',
      sampling: '100%',
      ready: true,
      reason: 'Ready',
      message: 'ok',
    };
    const first = tenantStatus(verdict, 1, undefined, new Date('2026-01-01T00:00:00Z'));
    const again = tenantStatus(verdict, 2, first, new Date('2026-01-02T00:00:00Z'));
    expect(again.conditions?.[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    const flipped = tenantStatus(
      { ...verdict, ready: false, reason: 'TokenPending' },
      2,
      first,
      new Date('2026-01-03T00:00:00Z'),
    );
    expect(flipped.conditions?.[0]?.lastTransitionTime).toBe('2026-01-03T00:00:00Z');
  });
});
