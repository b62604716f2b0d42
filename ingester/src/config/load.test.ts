import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.ts';

const HASH = 'a'.repeat(64);

/** What trace-complete sampling waits for unless a policy says otherwise. */
const TRACE_DEFAULTS = {
  quietMs: 2000,
  maxAgeMs: 30_000,
  maxSpans: 10_000,
  maxBytes: 16 * 1024 * 1024,
  decideOnAgentEnd: true,
};

describe('parseConfig', () => {
  it('fills every default from an empty document (authentication on, no tenants yet)', () => {
    const r = parseConfig('');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.config.auth).toBe('tokens');
    expect(r.config.listen).toMatchObject({
      host: '0.0.0.0',
      grpcPort: 4317,
      httpPort: 4318,
      adminPort: 8888,
    });
    expect(r.config.exporter.kind).toBe('otlp-grpc');
    expect(r.config.defaultLimits.maxRequestBytes).toBe(8 * 1024 * 1024);
    expect(r.config.tenants).toEqual([]);
    expect(Object.isFrozen(r.config.listen)).toBe(true);
  });

  it('reads JSON as well as YAML, with tenant defaults', () => {
    const r = parseConfig(JSON.stringify({ tenants: [{ id: 'team-a', tokenSha256: [HASH], sampling: {} }] }));
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.config.tenants[0]?.sampling).toEqual({
      defaultProbability: 1,
      keepErrors: true,
      rules: [],
      mode: 'trace',
      trace: TRACE_DEFAULTS,
    });
  });

  it.each([
    ['listen: [', /not valid YAML/],
    ['listen: { grpcPort: 70000 }', /\/listen\/grpcPort: must be <= 65535/],
    ['tenants: [{ id: "a", tokenSha256: ["nothex"] }]', /\/tenants\/0\/tokenSha256\/0: must match pattern/],
    ['unknown: 1', /must not have additional properties/],
    [`tenants: [{ id: a, tokenSha256: [] }, { id: a, tokenSha256: [] }]`, /duplicate tenant id "a"/],
    [
      `tenants: [{ id: a, tokenSha256: ["${HASH}"] }, { id: b, tokenSha256: ["${HASH}"] }]`,
      /shared with tenant "a"/,
    ],
    [
      'tenants: [{ id: a, tokenSha256: [], sampling: { rules: [{ name: r, probability: 0.5, match: [{ field: name, op: regex, value: "(" }] }] } }]',
      /match\/0: invalid regex/,
    ],
    [
      'tenants: [{ id: a, tokenSha256: [], sampling: { rules: [{ name: r, probability: 0.5, match: [{ field: "span.x", op: exists }] }] } }]',
      /unknown field "span.x"/,
    ],
    [
      'tenants: [{ id: a, tokenSha256: [], sampling: { rules: [{ name: r, probability: 0.5, match: [{ field: name, op: gt, value: "x" }] }] } }]',
      /op gt needs a numeric value/,
    ],
    ['tenants: [{ id: a, tokenSha256: [], sampling: { mode: tail } }]', /\/tenants\/0\/sampling\/mode/],
    [
      'tenants: [{ id: a, tokenSha256: [], sampling: { trace: { quietMs: 5000, maxAgeMs: 1000 } } }]',
      /trace\/quietMs: 5000 must be below maxAgeMs/,
    ],
    ['tenants: [{ id: a, tokenSha256: [], samplingRef: p }]', /\/tenants\/0\/samplingRef: no policy "p"/],
    [
      'policies: { p: {} }\ntenants: [{ id: a, tokenSha256: [], samplingRef: p, sampling: {} }]',
      /set sampling or samplingRef, not both/,
    ],
    [
      'policies: { "team-a/p": { rules: [{ name: r, probability: 0.5, match: [{ field: name, op: regex, value: "(" }] }] } }',
      /\/policies\/team-a~1p\/rules\/0\/match\/0: invalid regex/,
    ],
    ['tenantsPacked: "bm90Z3ppcA=="', /\/tenantsPacked: not base64 gzip of JSON/],
  ])('rejects %s', (text, message) => {
    const r = parseConfig(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(message);
  });
});

describe('policies and packed tenants', () => {
  it('reads tenantsPacked as tenants appended to the plain list, each checked by the schema', () => {
    const packed = gzipSync(
      JSON.stringify([{ id: 'b', tokenSha256: ['b'.repeat(64)], samplingRef: 'p' }]),
    ).toString('base64');
    const r = parseConfig(
      JSON.stringify({
        policies: { p: { defaultProbability: 0.5 } },
        tenants: [{ id: 'a', tokenSha256: [HASH] }],
        tenantsPacked: packed,
      }),
    );
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.config.tenants.map((t) => t.id)).toEqual(['a', 'b']);
    expect(r.config.policies.p).toEqual({
      defaultProbability: 0.5,
      keepErrors: true,
      rules: [],
      mode: 'trace',
      trace: TRACE_DEFAULTS,
    });
    const bad = gzipSync(JSON.stringify([{ id: 'c', tokenSha256: ['x'] }])).toString('base64');
    const refused = parseConfig(JSON.stringify({ tenantsPacked: bad }));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.errors.join('\n')).toMatch(/\/tenants\/0\/tokenSha256\/0/);
  });
});

describe('example configs', () => {
  it.each(['local.yaml', 'multi-tenant.yaml'])('examples/ingester/%s is valid', (name) => {
    const text = readFileSync(new URL(`../../../examples/ingester/${name}`, import.meta.url), 'utf8');
    const r = parseConfig(text);
    expect(r.ok ? [] : r.errors).toEqual([]);
  });
});
