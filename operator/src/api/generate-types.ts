// TypeScript types from the CRD schemas, with json-schema-to-typescript. Spec and status become their
// own named interfaces; metadata is Kubernetes' V1ObjectMeta.
import { compile } from 'json-schema-to-typescript';
import { API_VERSION, type Kind, openApiSchema } from './crds.ts';

function strip(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strip);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k.startsWith('x-kubernetes-')) {
      // An object whose unknown fields are kept has arbitrary content.
      if (k === 'x-kubernetes-preserve-unknown-fields' && v === true) out.additionalProperties = true;
      continue;
    }
    out[k] = strip(v);
  }
  if (out.type === 'object' && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

async function one(kind: Kind): Promise<string> {
  const schema = strip(openApiSchema(kind)) as { properties: Record<string, Record<string, unknown>> };
  const parts: string[] = [];
  for (const part of ['spec', 'status'] as const) {
    const s = schema.properties[part];
    if (!s) continue;
    parts.push(
      await compile({ ...s, title: `${kind}${part === 'spec' ? 'Spec' : 'Status'}` }, `${kind}${part}`, {
        bannerComment: '',
        additionalProperties: false,
        format: false,
        strictIndexSignatures: true,
      }),
    );
  }
  parts.push(
    `export interface ${kind} {\n  apiVersion?: '${API_VERSION}';\n  kind?: '${kind}';\n  metadata?: V1ObjectMeta;\n  spec?: ${kind}Spec;\n  status?: ${kind}Status;\n}\n`,
  );
  return parts.join('\n');
}

export async function generateCrdTypes(): Promise<string> {
  const body = [await one('TraceTenant'), await one('SamplingPolicy')].join('\n');
  return `// Generated from crds/*.yaml by scripts/generate-crd-types.ts — do not edit; edit the CRDs.\nimport type { V1ObjectMeta } from '@kubernetes/client-node';\n\n${body}`;
}
