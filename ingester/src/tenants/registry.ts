// Tenants as the receivers see them: looked up by the SHA-256 of the bearer token (plaintext tokens are
// never held), each with its limits, content capture, compiled sampling policy and rate bucket. Built
// from a validated config; a rebuild on reload keeps each tenant's bucket so limits survive reloads.
import { createHash } from 'node:crypto';
import type { ContentCaptureConfig, IngesterConfigDoc, LimitsConfig } from '../config/schema.ts';
import { type CompiledPolicy, compilePolicy } from '../sample/policy.ts';
import { TokenBucket } from './token-bucket.ts';

/** `full`, `metadata` or `none`, as the config schema defines it. */
export type ContentCapture = ContentCaptureConfig;

export interface TenantRuntime {
  readonly id: string;
  readonly limits: Readonly<LimitsConfig>;
  readonly contentCapture: ContentCapture;
  readonly policy: CompiledPolicy;
  readonly bucket: TokenBucket;
}

export const SINGLE_TENANT_ID = 'default';

/** Who a request is: what a reader of traces (the query service) needs, and all it needs. */
export interface TenantAuth {
  /** True in single-tenant mode (`auth: none`): every request is tenant `default`, no token needed. */
  readonly singleTenant: boolean;
  /** The tenant a request's Authorization header belongs to, or undefined (→ 401). */
  authenticate(authorization: string | undefined): { readonly id: string } | undefined;
  /**
   * The tenants a person may read, named by a trusted proxy's identity header (readUsers), or by
   * one of their groups (readGroups). Readers only (buildTenantAuth).
   */
  readersOf?(user: string, groups: readonly string[]): string[];
}

export interface TenantRegistry extends TenantAuth {
  authenticate(authorization: string | undefined): TenantRuntime | undefined;
  readonly tenants: ReadonlyMap<string, TenantRuntime>;
}

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function bearer(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m?.[1];
}

/**
 * Token → tenant and nothing else (no policies compiled, no rate buckets), for readers: the query
 * service follows the same config file the ingesters do, with tenants in the thousands. Readers are a
 * tenant's read tokens and, unless it made them write-only, its ingest tokens; the receivers
 * (buildRegistry) accept ingest tokens only, so a read token can send nothing.
 */
export function buildTenantAuth(cfg: IngesterConfigDoc): TenantAuth {
  const singleTenant = cfg.auth === 'none';
  const byHash = new Map<string, { id: string }>();
  for (const tc of cfg.tenants) {
    const tenant = { id: tc.id };
    // Read tokens always read; the ingest tokens too unless the tenant made them write-only.
    for (const h of tc.readTokenSha256 ?? []) byHash.set(h, tenant);
    if (tc.ingestTokenReads !== false) for (const h of tc.tokenSha256) byHash.set(h, tenant);
  }
  const byUser = new Map<string, string[]>();
  const byGroup = new Map<string, string[]>();
  const index = (map: Map<string, string[]>, keys: readonly string[] | undefined, id: string) => {
    for (const k of keys ?? []) map.set(k, [...(map.get(k) ?? []), id]);
  };
  for (const tc of cfg.tenants) {
    index(byUser, tc.readUsers, tc.id);
    index(byGroup, tc.readGroups, tc.id);
  }
  const fallback = { id: SINGLE_TENANT_ID };
  return {
    singleTenant,
    authenticate(authorization) {
      if (singleTenant) return fallback;
      const token = bearer(authorization);
      return token ? byHash.get(sha256Hex(token)) : undefined;
    },
    readersOf(user, groups) {
      if (singleTenant) return [SINGLE_TENANT_ID];
      const ids = new Set(byUser.get(user) ?? []);
      for (const g of groups) for (const id of byGroup.get(g) ?? []) ids.add(id);
      return [...ids].sort();
    },
  };
}

export function buildRegistry(
  cfg: IngesterConfigDoc,
  previous: TenantRegistry | undefined,
  nowMs: number,
): TenantRegistry {
  const tenants = new Map<string, TenantRuntime>();
  const byHash = new Map<string, TenantRuntime>();
  const make = (id: string, limits: LimitsConfig, capture: ContentCapture, policy: CompiledPolicy) => {
    const bucket =
      previous?.tenants.get(id)?.bucket ?? new TokenBucket(limits.spansPerSecond, limits.burst, nowMs);
    bucket.reconfigure(limits.spansPerSecond, limits.burst);
    const t: TenantRuntime = { id, limits, contentCapture: capture, policy, bucket };
    tenants.set(id, t);
    return t;
  };
  const defaultCapture = cfg.defaultContentCapture ?? 'full';
  // Each shared policy is compiled once, however many tenants name it.
  const shared = new Map(Object.entries(cfg.policies).map(([name, p]) => [name, compilePolicy(p)]));
  for (const tc of cfg.tenants) {
    const policy = tc.samplingRef !== undefined ? shared.get(tc.samplingRef) : compilePolicy(tc.sampling);
    // A config that names a missing policy is refused by parseConfig; this only guards direct callers.
    if (!policy) throw new Error(`tenant ${tc.id}: no policy ${JSON.stringify(tc.samplingRef)}`);
    const t = make(tc.id, tc.limits ?? cfg.defaultLimits, tc.contentCapture ?? defaultCapture, policy);
    for (const h of tc.tokenSha256) byHash.set(h, t);
  }
  // Authentication is off only when the config says so: an empty tenant list refuses everyone.
  const singleTenant = cfg.auth === 'none';
  const fallback = singleTenant
    ? make(SINGLE_TENANT_ID, cfg.defaultLimits, defaultCapture, compilePolicy(undefined))
    : undefined;
  return {
    singleTenant,
    tenants,
    authenticate(authorization) {
      if (fallback) return fallback;
      const token = bearer(authorization);
      if (!token) return undefined;
      // Looked up by the token's hash: the lookup's timing says nothing useful about valid tokens.
      return byHash.get(sha256Hex(token));
    },
  };
}
