import { describe, expect, it } from 'vitest';
import { newTls, tlsSecret, usableTls } from './tls.ts';

describe('webhook TLS', () => {
  it('keeps a certificate with time left and renews one within 30 days of expiry', async () => {
    const issued = new Date('2026-01-01T00:00:00Z');
    const tls = await newTls(['koder-trace-operator.koder-trace.svc'], [], issued);
    const secret = tlsSecret('koder-trace-webhook-tls', 'koder-trace', tls);
    expect(usableTls(secret, new Date('2026-06-01T00:00:00Z'))?.cert).toBe(tls.cert);
    expect(usableTls(secret, new Date('2026-12-15T00:00:00Z'))).toBeUndefined(); // 17 days left
    expect(usableTls(undefined, issued)).toBeUndefined();
    expect(
      usableTls({ data: { 'tls.crt': 'bm90IGEgY2VydA==', 'tls.key': 'eA==', 'ca.crt': 'eA==' } }, issued),
    ).toBeUndefined();
  });
});
