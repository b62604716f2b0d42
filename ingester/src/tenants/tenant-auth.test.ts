// Who reads and who sends: read tokens read and never send; ingest tokens send, and read unless the
// tenant made them write-only; single-tenant mode reads as `default`.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { buildRegistry, buildTenantAuth, SINGLE_TENANT_ID, sha256Hex } from './registry.ts';

function config(text: string) {
  const r = parseConfig(text);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

describe('readers and senders', () => {
  const cfg = config(`
tenants:
  - id: open
    tokenSha256: ["${sha256Hex('ingest-open')}"]
    readTokenSha256: ["${sha256Hex('read-open')}"]
  - id: audited
    tokenSha256: ["${sha256Hex('ingest-audited')}"]
    readTokenSha256: ["${sha256Hex('read-audited')}", "${sha256Hex('read-audited-2')}"]
    ingestTokenReads: false
`);
  const readers = buildTenantAuth(cfg);
  const senders = buildRegistry(cfg, undefined, 0);

  it.each([
    ['ingest-open', 'open', 'open'],
    ['read-open', 'open', undefined],
    ['ingest-audited', undefined, 'audited'],
    ['read-audited', 'audited', undefined],
    ['read-audited-2', 'audited', undefined],
    ['nobody', undefined, undefined],
  ])('token %s reads %s and sends as %s', (token, reads, sends) => {
    expect(readers.authenticate(`Bearer ${token}`)?.id).toBe(reads);
    expect(senders.authenticate(`Bearer ${token}`)?.id).toBe(sends);
  });

  it('needs no token in single-tenant mode', () => {
    expect(buildTenantAuth(config('auth: none')).authenticate(undefined)?.id).toBe(SINGLE_TENANT_ID);
  });

  it('refuses a read token hash that is not SHA-256', () => {
    const r = parseConfig('tenants: [{ id: x, tokenSha256: [], readTokenSha256: ["abc"] }]');
    expect(r.ok).toBe(false);
  });
});
