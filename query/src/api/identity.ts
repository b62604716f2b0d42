// Who a request is. A bearer token (a tenant's read or ingest token) always decides. Without one, an
// authenticating proxy in front of the UI (oauth2-proxy, an OIDC-aware ingress) may name the person in
// a header — but only a proxy the query service was told to trust, by address: the header from
// anywhere else is ignored, so a client cannot claim to be someone by setting it (fail closed). The
// person reads the tenants whose spec.read.users name them or whose spec.read.groups hold one of
// their groups; with several, the X-Koder-Tenant header chooses.
import { BlockList, isIP } from 'node:net';
import type { TenantAuth } from '@koder-trace/ingester/tenants';

export interface TrustedIdentity {
  /** The header naming the person, e.g. x-forwarded-email (lower case). */
  userHeader: string;
  /** The header listing their groups, comma-separated (lower case). */
  groupsHeader?: string;
  /** The proxies' addresses: only their requests are believed. */
  proxies: BlockList;
}

/** Chooses among several tenants a person reads. */
export const TENANT_HEADER = 'x-koder-tenant';

export type Headers = Record<string, string | string[] | undefined>;

export type Identified =
  | {
      tenant: { readonly id: string };
      via: 'token' | 'identity';
      /** Every tenant this person reads (identity only), for answers that span tenants. */
      readable?: string[];
    }
  | { status: 401 | 403 | 400; error: string; tenants?: string[] };

/** A header's value (the first, if repeated), trimmed; undefined when absent or empty. */
export const headerValue = (v: string | string[] | undefined) =>
  (Array.isArray(v) ? v[0] : v)?.trim() || undefined;

/** An address as the socket gives it (IPv4-mapped IPv6 folded to IPv4). */
function plainAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const a = mapped ?? address;
  const v = isIP(a);
  return v === 0 ? undefined : { address: a, family: v === 4 ? 'ipv4' : 'ipv6' };
}

export const UNAUTHORIZED = 'missing or unknown bearer token: send "Authorization: Bearer <tenant token>"';

export function identify(
  auth: TenantAuth,
  headers: Headers,
  remoteAddress: string | undefined,
  trusted: TrustedIdentity | undefined,
): Identified {
  const authorization = headerValue(headers.authorization);
  const from = remoteAddress ? plainAddress(remoteAddress) : undefined;
  const user = trusted && !authorization ? headerValue(headers[trusted.userHeader]) : undefined;
  // A token decides when sent; the identity header only from a trusted proxy (single-tenant mode
  // needs neither).
  if (!trusted || !user || !from || !trusted.proxies.check(from.address, from.family)) {
    const tenant = auth.authenticate(authorization);
    return tenant ? { tenant, via: 'token' } : { status: 401, error: UNAUTHORIZED };
  }
  const groups = trusted.groupsHeader
    ? (headerValue(headers[trusted.groupsHeader]) ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean)
    : [];
  const tenants = auth.readersOf?.(user, groups) ?? [];
  if (tenants.length === 0)
    return {
      status: 403,
      error: `${user} reads no tenant: name them in a TraceTenant's spec.read.users (or one of their groups in spec.read.groups)`,
    };
  const wanted = headerValue(headers[TENANT_HEADER]);
  if (wanted !== undefined) {
    if (tenants.includes(wanted)) return { tenant: { id: wanted }, via: 'identity', readable: tenants };
    return { status: 403, error: `${user} does not read tenant ${wanted}`, tenants };
  }
  if (tenants.length === 1)
    return { tenant: { id: tenants[0] as string }, via: 'identity', readable: tenants };
  return {
    status: 400,
    error: `${user} reads several tenants (${tenants.join(', ')}): choose one with the X-Koder-Tenant header`,
    tenants,
  };
}

/**
 * The proxies to trust, as addresses or CIDR blocks (10.0.0.0/8, fd00::/8, 127.0.0.1). Throws with
 * the entry that is not one.
 */
export function trustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits, extra] = entry.trim().split('/');
    const family = address ? isIP(address) : 0;
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    if (
      !address ||
      family === 0 ||
      extra !== undefined ||
      (bits !== undefined && !/^\d+$/.test(bits)) ||
      prefix > (family === 4 ? 32 : 128)
    )
      throw new Error(`--trusted-proxy: ${JSON.stringify(entry)} is not an IP address or CIDR block`);
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}
