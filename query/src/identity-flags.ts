// --identity-header, --groups-header and --trusted-proxy, as every program serving the query API takes
// them: who an authenticating proxy (OIDC) in front of the UI says the person is (api/identity.ts).
// Fail closed: a header without the proxies to believe it from, or proxies without a header, stop the
// program with the reason rather than start believing anyone, or no one, by accident.
import type { Logger } from 'pino';
import { type TrustedIdentity, trustedProxies } from './api/identity.ts';

export const IDENTITY_OPTIONS = {
  'identity-header': { type: 'string' },
  'groups-header': { type: 'string' },
  'trusted-proxy': { type: 'string', multiple: true },
} as const;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** The query server's `identity` option from the flags ({} when none are given). */
export function identityFlags(
  values: { 'identity-header'?: string; 'groups-header'?: string; 'trusted-proxy'?: string[] },
  log: Logger,
): { identity?: TrustedIdentity } {
  const header = values['identity-header'];
  const groups = values['groups-header'];
  const proxies = (values['trusted-proxy'] ?? []).flatMap((p) => p.split(',')).filter((p) => p.trim());
  const fail = (message: string): never => {
    log.fatal(message);
    process.exit(2);
  };
  if (header === undefined) {
    if (groups !== undefined || proxies.length)
      fail('--groups-header and --trusted-proxy need --identity-header: the header that names the person');
    return {};
  }
  for (const [flag, name] of [
    ['--identity-header', header],
    ['--groups-header', groups],
  ] as const)
    if (name !== undefined && !HEADER_NAME.test(name))
      fail(`${flag}: ${JSON.stringify(name)} is not a header name`);
  if (header.toLowerCase() === 'authorization') fail('--identity-header: Authorization carries tokens');
  if (!proxies.length)
    fail(
      '--identity-header needs --trusted-proxy (addresses or CIDR blocks of the authenticating proxy): without it anyone could set the header',
    );
  try {
    return {
      identity: {
        userHeader: header.toLowerCase(),
        ...(groups ? { groupsHeader: groups.toLowerCase() } : {}),
        proxies: trustedProxies(proxies),
      },
    };
  } catch (err) {
    return fail((err as Error).message);
  }
}
