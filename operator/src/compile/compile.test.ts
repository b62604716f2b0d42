// Golden tests: testdata/<case>.input.yaml (CRs and Secrets, as kubectl would apply them) through the
// compile step, compared with testdata/<case>.golden.yaml. UPDATE_GOLDEN=1 rewrites the golden files.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseConfig } from '@koder-trace/ingester/config';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { makeValidator } from '../api/crds.ts';
import type { SamplingPolicy, TraceTenant } from '../api/types.generated.ts';
import { compile, keyOf } from './compile.ts';

const dir = new URL('./testdata/', import.meta.url);
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.input.yaml'))
  .map((f) => f.replace('.input.yaml', ''));
const validate = {
  TraceTenant: makeValidator('TraceTenant'),
  SamplingPolicy: makeValidator('SamplingPolicy'),
};

interface Doc {
  kind: string;
  metadata: { name: string; namespace: string };
  stringData?: Record<string, string>;
}

function load(name: string) {
  const docs = yaml.loadAll(readFileSync(new URL(`${name}.input.yaml`, dir), 'utf8')) as Doc[];
  const tenants: TraceTenant[] = [];
  const policies: SamplingPolicy[] = [];
  const tokens = new Map<string, string>();
  const registrySecrets = new Set<string>();
  for (const d of docs) {
    if (d.kind === 'Secret' && d.stringData?.token) tokens.set(keyOf(d), d.stringData.token);
    for (const key of d.kind === 'Secret' ? Object.keys(d.stringData ?? {}) : [])
      registrySecrets.add(`${keyOf(d)}/${key}`);
    if (d.kind === 'TraceTenant' || d.kind === 'SamplingPolicy') {
      const v = validate[d.kind](d);
      if (!v.ok) throw new Error(`${name}: ${keyOf(d)}: ${v.errors.join(', ')}`);
      (d.kind === 'TraceTenant' ? tenants : policies).push(d as TraceTenant & SamplingPolicy);
    }
  }
  return { tenants, policies, tokens, registrySecrets, registrySecretDir: '/etc/koder-trace-registry' };
}

describe('compile (golden)', () => {
  it.each(cases)('%s', (name) => {
    const out = compile(load(name));
    const rendered = yaml.dump(
      {
        tenants: out.tenants,
        tempoOverrides: out.tempoOverrides,
        tenantOutcomes: Object.fromEntries(out.tenantOutcomes),
        policyOutcomes: Object.fromEntries(out.policyOutcomes),
      },
      { sortKeys: false, lineWidth: 120, noRefs: true },
    );
    const golden = new URL(`${name}.golden.yaml`, dir);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, rendered);
    expect(rendered).toBe(readFileSync(golden, 'utf8'));
    // What the operator writes must be a config the ingester accepts.
    const config = parseConfig(yaml.dump({ tenants: out.tenants }));
    expect(config.ok ? [] : config.errors).toEqual([]);
  });

  it('gives tenants with the same limits and retention one object each (the overrides share blocks)', () => {
    const out = compile(load('tenants'));
    const { overrides } = out.tempoOverrides;
    const limits = new Map(out.tenants.map((t) => [t.id, t.limits]));
    // support-bot sets its own limits and retention; the others keep the defaults.
    expect(overrides.audited).toBe(overrides.unread);
    expect(limits.get('audited')).toBe(limits.get('unread'));
    expect(overrides['support-bot']).not.toBe(overrides.audited);
    expect(overrides['support-bot']?.compaction.block_retention).toBe('720h');
    expect(limits.get('support-bot')).toMatchObject({ spansPerSecond: 2000, burst: 4000 });
  });

  it('is deterministic: the same input in another order gives the same output', () => {
    const input = load('tenants');
    const a = compile(input);
    const b = compile({
      ...input,
      tenants: [...input.tenants].reverse(),
      policies: [...input.policies].reverse(),
    });
    expect(yaml.dump(b.tenants) + yaml.dump(b.tempoOverrides)).toBe(
      yaml.dump(a.tenants) + yaml.dump(a.tempoOverrides),
    );
  });
});
