// `kubectl explain` reads the CRD descriptions: every field must have one.
import { describe, expect, it } from 'vitest';
import { type Kind, openApiSchema } from './crds.ts';

function undocumented(schema: Record<string, unknown>, path: string, out: string[]): string[] {
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, child] of Object.entries(props)) {
    const p = `${path}.${name}`;
    if (name !== 'metadata' && !child.description) out.push(p);
    undocumented(child, p, out);
    if (child.items) undocumented(child.items as Record<string, unknown>, `${p}[]`, out);
  }
  return out;
}

describe('CRD descriptions', () => {
  it.each<Kind>(['TraceTenant', 'SamplingPolicy'])('every field of %s is described', (kind) => {
    expect(undocumented(openApiSchema(kind), kind, [])).toEqual([]);
  });
});
