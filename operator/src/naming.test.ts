import { describe, expect, it } from 'vitest';
import type { TraceTenant } from './api/types.generated.ts';
import { tenantLabelValue, tokenCopyName, tokenSecretIn, tokenSecretName } from './naming.ts';

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
  it('makes label values of at most 63 characters: short names as they are, long ones cut and hashed', () => {
    const LABEL_VALUE = /^[a-z0-9A-Z]([-_.a-z0-9A-Z]{0,61}[a-z0-9A-Z])?$/;
    expect(tenantLabelValue('support-bot')).toBe('support-bot');
    expect(tenantLabelValue('a'.repeat(63))).toBe('a'.repeat(63));
    const long = `${'a'.repeat(51)}.${'b'.repeat(100)}`;
    const v = tenantLabelValue(long);
    expect(v).toMatch(LABEL_VALUE);
    expect(v.length).toBeLessThanOrEqual(63);
    expect(v).toBe(tenantLabelValue(long)); // deterministic
    expect(v).not.toBe(tenantLabelValue(`${'a'.repeat(51)}.${'b'.repeat(99)}c`)); // same prefix, other name
    expect(v.startsWith('a'.repeat(51))).toBe(true); // readable: the name's start, no trailing dot
  });
  it("uses the tenant's own Secret in its namespace, the copy elsewhere", () => {
    const t = tt('search', 'team-b', 'search-credentials');
    expect(tokenSecretName(t)).toBe('search-credentials');
    expect(tokenSecretIn(t, 'team-b')).toBe('search-credentials');
    expect(tokenSecretIn(t, 'apps')).toBe(tokenCopyName(t));
    expect(tokenSecretName(tt('search', 'team-b'))).toBe('search-token');
  });
});
