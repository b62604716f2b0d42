import { describe, expect, it } from 'vitest';
import { identify, trustedProxies } from './identity.ts';

const auth = {
  singleTenant: false,
  authenticate: (h: string | undefined) => (h === 'Bearer t' ? { id: 'shop' } : undefined),
  readersOf: (user: string, groups: readonly string[]) =>
    [...(user === 'alice' ? ['shop'] : []), ...(groups.includes('sre') ? ['bank', 'shop'] : [])]
      .filter((v, i, a) => a.indexOf(v) === i)
      .sort(),
};
const trusted = {
  userHeader: 'x-user',
  groupsHeader: 'x-groups',
  proxies: trustedProxies(['10.0.0.0/8', 'fd00::/8']),
};

describe('identify', () => {
  it('believes the identity header from a trusted proxy only, IPv4-mapped addresses included', () => {
    expect(identify(auth, { 'x-user': 'alice' }, '10.1.2.3', trusted)).toEqual({
      tenant: { id: 'shop' },
      via: 'identity',
      readable: ['shop'],
    });
    expect(identify(auth, { 'x-user': 'alice' }, '::ffff:10.1.2.3', trusted)).toMatchObject({
      via: 'identity',
    });
    expect(identify(auth, { 'x-user': 'alice' }, 'fd00::1', trusted)).toMatchObject({ via: 'identity' });
    expect(identify(auth, { 'x-user': 'alice' }, '192.168.1.1', trusted)).toMatchObject({ status: 401 });
    expect(identify(auth, { 'x-user': 'alice' }, undefined, trusted)).toMatchObject({ status: 401 });
    // Without a trusted proxy configured the header means nothing.
    expect(identify(auth, { 'x-user': 'alice' }, '10.1.2.3', undefined)).toMatchObject({ status: 401 });
  });
  it('lets a token decide, and makes a person choose among several tenants', () => {
    expect(identify(auth, { authorization: 'Bearer t', 'x-user': 'bob' }, '10.0.0.1', trusted)).toEqual({
      tenant: { id: 'shop' },
      via: 'token',
    });
    const sre = { 'x-user': 'bob', 'x-groups': ' dev , sre ' };
    expect(identify(auth, sre, '10.0.0.1', trusted)).toMatchObject({
      status: 400,
      tenants: ['bank', 'shop'],
    });
    // The choice is one tenant; answers that span tenants (the dashboard by tenant) read them all.
    expect(identify(auth, { ...sre, 'x-koder-tenant': 'bank' }, '10.0.0.1', trusted)).toEqual({
      tenant: { id: 'bank' },
      via: 'identity',
      readable: ['bank', 'shop'],
    });
    expect(identify(auth, { ...sre, 'x-koder-tenant': 'ops' }, '10.0.0.1', trusted)).toMatchObject({
      status: 403,
    });
    expect(identify(auth, { 'x-user': 'carol' }, '10.0.0.1', trusted)).toMatchObject({ status: 403 });
  });
});

describe('trustedProxies', () => {
  it('takes addresses and CIDR blocks, and names what is neither', () => {
    const list = trustedProxies(['127.0.0.1', '10.0.0.0/8', '::1']);
    expect(list.check('127.0.0.1', 'ipv4')).toBe(true);
    expect(list.check('127.0.0.2', 'ipv4')).toBe(false);
    expect(list.check('10.200.0.1', 'ipv4')).toBe(true);
    expect(list.check('::1', 'ipv6')).toBe(true);
    for (const bad of ['10.0.0.0/33', 'proxy.local', '10.0.0.0/8/1', '10.0.0.0/x', '::/129', ''])
      expect(() => trustedProxies([bad]), bad).toThrow(/is not an IP address or CIDR block/);
  });
});
