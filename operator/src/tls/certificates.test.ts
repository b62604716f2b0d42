import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from './certificates.ts';

describe('certificates', () => {
  it('issues a serving certificate the CA verifies, with its names and key usage', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const ca = await createCertificateAuthority('test-ca', { now });
    const pair = await issueCertificate(ca, {
      commonName: 'webhook.koder.svc',
      dnsNames: ['webhook.koder.svc', 'localhost'],
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
      validFor: { days: 30 },
      now,
    });
    const caCert = new X509Certificate(ca.cert);
    const cert = new X509Certificate(pair.cert);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe('DNS:webhook.koder.svc, DNS:localhost, IP Address:127.0.0.1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth
    expect(new Date(cert.validTo).getTime() - now.getTime()).toBe(30 * 86_400_000);
    expect(cert.checkPrivateKey(createPrivateKey(pair.key))).toBe(true);
  });

  it('puts organisations in the subject of client certificates (Kubernetes groups)', async () => {
    const ca = await createCertificateAuthority('test-ca');
    const pair = await issueCertificate(ca, {
      commonName: 'admin',
      organizations: ['system:masters'],
      usage: 'client',
    });
    const cert = new X509Certificate(pair.cert);
    expect(cert.subject.split('\n')).toEqual(['CN=admin', 'O=system:masters']);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // clientAuth
  });
});
