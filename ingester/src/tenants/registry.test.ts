import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { buildRegistry, SINGLE_TENANT_ID, sha256Hex } from './registry.ts';
import { TokenBucket } from './token-bucket.ts';

function config(text: string) {
  const r = parseConfig(text);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

describe('tenant registry', () => {
  const cfg = config(`
tenants:
  - id: team-a
    tokenSha256: ["${sha256Hex('token-a')}"]
    limits: { spansPerSecond: 10, burst: 20 }
  - id: team-b
    tokenSha256: ["${sha256Hex('token-b')}", "${sha256Hex('token-b2')}"]
`);

  it('maps each bearer token to its tenant and nothing else', () => {
    const reg = buildRegistry(cfg, undefined, 0);
    expect(reg.singleTenant).toBe(false);
    expect(reg.authenticate('Bearer token-a')?.id).toBe('team-a');
    expect(reg.authenticate('bearer token-b2')?.id).toBe('team-b');
    expect(reg.authenticate('Bearer token-c')).toBeUndefined();
    expect(reg.authenticate('token-a')).toBeUndefined();
    expect(reg.authenticate(undefined)).toBeUndefined();
    expect(reg.authenticate('Bearer ')).toBeUndefined();
  });

  it('accepts everything as tenant default only in explicit single-tenant mode (auth: none)', () => {
    const reg = buildRegistry(config('auth: none'), undefined, 0);
    expect(reg.singleTenant).toBe(true);
    expect(reg.authenticate(undefined)?.id).toBe(SINGLE_TENANT_ID);
  });

  it('fails closed: with no tenants and auth left at tokens, every request is refused', () => {
    const reg = buildRegistry(config('{}'), undefined, 0);
    expect(reg.singleTenant).toBe(false);
    expect(reg.authenticate(undefined)).toBeUndefined();
    expect(reg.authenticate('Bearer anything')).toBeUndefined();
  });

  it('refuses a config that turns authentication off while listing tenants', () => {
    const r = parseConfig(`auth: none\ntenants: [{ id: a, tokenSha256: ["${sha256Hex('t')}"] }]`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join()).toMatch(/auth.*cannot go with tenants/);
  });

  it("keeps a tenant's rate bucket across a rebuild", () => {
    const first = buildRegistry(cfg, undefined, 0);
    const bucket = first.tenants.get('team-a')?.bucket;
    expect(bucket?.take(20, 0)).toBe(0);
    const second = buildRegistry(cfg, first, 0);
    expect(second.tenants.get('team-a')?.bucket).toBe(bucket);
    expect(second.tenants.get('team-a')?.bucket.take(1, 0)).toBeGreaterThan(0);
  });

  it('resolves samplingRef to a policy compiled once and shared, beside inline sampling', () => {
    const r = buildRegistry(
      config(`
policies:
  team-a/llm-first: { defaultProbability: 0.25 }
tenants:
  - { id: a, tokenSha256: ["${sha256Hex('a')}"], samplingRef: team-a/llm-first }
  - { id: b, tokenSha256: ["${sha256Hex('b')}"], samplingRef: team-a/llm-first }
  - { id: c, tokenSha256: ["${sha256Hex('c')}"], sampling: { defaultProbability: 0.5 } }
  - { id: d, tokenSha256: ["${sha256Hex('d')}"] }
`),
      undefined,
      0,
    );
    const policy = (id: string) => r.tenants.get(id)?.policy;
    expect(policy('a')).toBe(policy('b'));
    expect(policy('a')?.keepsAll).toBe(false);
    expect(policy('c')?.keepsAll).toBe(false);
    expect(policy('d')?.keepsAll).toBe(true);
  });
});

describe('token bucket', () => {
  it('allows a burst, then the rate, and says how long to wait', () => {
    const b = new TokenBucket(100, 50, 0);
    expect(b.take(50, 0)).toBe(0);
    expect(b.take(10, 0)).toBe(100); // 10 tokens at 100/s
    expect(b.take(10, 100)).toBe(0);
    expect(b.take(1000, 100)).toBe(500); // never more than a full bucket's wait
  });
});
