import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Kind, loadCrd, makeValidator, PLURAL } from './crds.ts';
import { generateCrdTypes } from './generate-types.ts';

describe('CRD-derived types and validation', () => {
  it('types.generated.ts matches the CRDs (run scripts/generate-crd-types.ts after editing crds/)', async () => {
    const committed = readFileSync(new URL('./types.generated.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await generateCrdTypes());
  });

  it('names each kind by the plural its CRD declares', () => {
    for (const kind of Object.keys(PLURAL) as Kind[]) {
      expect(PLURAL[kind], kind).toBe(loadCrd(kind).spec.names.plural);
    }
  });

  it('applies the schema defaults, like the apiserver', () => {
    const tt = {
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'TraceTenant',
      metadata: { name: 'a' },
      spec: {},
    } as {
      spec: Record<string, unknown>;
    };
    expect(makeValidator('TraceTenant')(tt)).toEqual({ ok: true });
    expect(tt.spec).toEqual({
      credentials: {},
      read: { ingestTokenReads: true },
      limits: { spansPerSecond: 5000, burst: 10000, maxAttributeValueBytes: 65536, maxRequestBytes: 8388608 },
      retention: '336h',
      contentCapture: 'full',
    });
  });

  it('refuses what the schema refuses, saying where', () => {
    const result = makeValidator('SamplingPolicy')({
      spec: {
        defaultProbability: 2,
        rules: [{ name: 'x', probability: 1, match: [{ field: 'span.x', op: 'like' }] }],
      },
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toContain('/spec/defaultProbability: must be <= 1');
      expect(result.errors.join('\n')).toMatch(/\/spec\/rules\/0\/match\/0\/field: must match pattern/);
      expect(result.errors.join('\n')).toMatch(
        /\/spec\/rules\/0\/match\/0\/op: must be equal to one of the allowed values/,
      );
    }
  });
});
