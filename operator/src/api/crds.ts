// The CRDs in crds/ are the source of truth for TraceTenant and SamplingPolicy. This module loads
// their schemas for runtime validation (with defaults applied, as the apiserver would) and names the
// group, version and kinds; the TypeScript types are generated from the same files (types.generated.ts).
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as yaml from 'js-yaml';

export const GROUP = 'trace.koder.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const CRD_FILES = {
  TraceTenant: new URL('../../../crds/trace.koder.dev_tracetenants.yaml', import.meta.url),
  SamplingPolicy: new URL('../../../crds/trace.koder.dev_samplingpolicies.yaml', import.meta.url),
} as const;

export type Kind = keyof typeof CRD_FILES;

/** The resource names in API paths (the CRDs' spec.names.plural). */
export const PLURAL: Readonly<Record<Kind, string>> = {
  TraceTenant: 'tracetenants',
  SamplingPolicy: 'samplingpolicies',
};

interface Crd {
  spec: {
    names: { plural: string };
    versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[];
  };
}

export function loadCrd(kind: Kind): Crd {
  return yaml.load(readFileSync(CRD_FILES[kind], 'utf8')) as Crd;
}

export function openApiSchema(kind: Kind): Record<string, unknown> {
  const version = loadCrd(kind).spec.versions.find((v) => v.name === VERSION);
  if (!version) throw new Error(`CRD for ${kind} has no version ${VERSION}`);
  return version.schema.openAPIV3Schema;
}

/** Validates a custom resource against its CRD schema and fills in the schema's defaults (in place). */
export type Validator = (obj: unknown) => { ok: true } | { ok: false; errors: string[] };

export function makeValidator(kind: Kind): Validator {
  // Kubernetes' extensions (x-kubernetes-*) are not JSON Schema keywords: tolerated, not checked here.
  // The formats Kubernetes uses in status (int64, date-time) are the apiserver's to check: known here,
  // so Ajv does not print "unknown format … ignored" for each one on every start.
  const ajv = new Ajv({
    strict: false,
    useDefaults: true,
    allErrors: true,
    formats: { int64: true, 'date-time': true },
  });
  const validate: ValidateFunction = ajv.compile(openApiSchema(kind));
  const describe = (e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`;
  return (obj) =>
    validate(obj) ? { ok: true } : { ok: false, errors: (validate.errors ?? []).map(describe) };
}
