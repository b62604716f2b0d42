import { describe, expect, it } from 'vitest';
import type { TraceTenant } from './api/types.generated.ts';
import { tokenCopyName, tokenSecretIn, tokenSecretName } from './naming.ts';

const tt = (name: string, namespace: string, secretName?: string): TraceTenant => ({
  metadata: { name, namespace },
  spec: secretName ? { credentials: { secretName } } : {},
});
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe('naming', () => {
  it('names token copies per namespace/name, deterministically', () => {
    expect(tokenCopyName(tt('shared', 'team-x'))).toBe(tokenCopyName(tt('shared', 'team-x')));
    expect(tokenCopyName(tt('shared', 'team-x'))).not.toBe(tokenCopyName(tt('shared', 'team-y')));
    // "a-b"/"c" and "a"/"b-c" must not meet either.
    expect(tokenCopyName(tt('b-c', 'a'))).not.toBe(tokenCopyName(tt('c', 'a-b')));
    expect(tokenCopyName(tt('shared', 'team-x'))).toMatch(/^koder-trace-shared-[0-9a-f]{10}-token$/);
  });
  it('stays a DNS-1123 subdomain of at most 253 characters for the longest names', () => {
    const long = `${'a'.repeat(200)}.${'b'.repeat(52)}`;
    const name = tokenCopyName(tt(long, 'team-x'));
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(DNS_SUBDOMAIN);
    expect(tokenCopyName(tt(`${'a'.repeat(228)}-${'b'.repeat(24)}`, 'n'))).toMatch(DNS_SUBDOMAIN);
  });
  it("uses the tenant's own Secret in its namespace, the copy elsewhere", () => {
    const t = tt('search', 'team-b', 'search-credentials');
    expect(tokenSecretName(t)).toBe('search-credentials');
    expect(tokenSecretIn(t, 'team-b')).toBe('search-credentials');
    expect(tokenSecretIn(t, 'apps')).toBe(tokenCopyName(t));
    expect(tokenSecretName(tt('search', 'team-b'))).toBe('search-token');
  });
});
