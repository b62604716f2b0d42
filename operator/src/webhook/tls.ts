// The webhook's serving certificate: a CA and a certificate it signs, kept in a Secret so every
// operator replica serves with the same chain, renewed well before expiry. The caller applies the
// Secret and the webhook configuration's caBundle; this module only decides and builds.
import { X509Certificate } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { MANAGED_BY } from '../naming.ts';
import { createCertificateAuthority, issueCertificate } from '../tls/certificates.ts';

export interface WebhookTls {
  caCert: string;
  cert: string;
  key: string;
}

const RENEW_BEFORE_MS = 30 * 86_400_000;

/**
 * The TLS material in a Secret, if present and valid for at least another `renewBeforeMs` at `now`
 * (30 days: we renew our own well ahead; cert-manager's, 0: it renews them itself).
 */
export function usableTls(
  secret: V1Secret | undefined,
  now: Date,
  renewBeforeMs = RENEW_BEFORE_MS,
): WebhookTls | undefined {
  const d = secret?.data;
  if (!d?.['ca.crt'] || !d['tls.crt'] || !d['tls.key']) return undefined;
  const dec = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  const tls = { caCert: dec(d['ca.crt']), cert: dec(d['tls.crt']), key: dec(d['tls.key']) };
  try {
    const notAfter = new Date(new X509Certificate(tls.cert).validTo).getTime();
    return notAfter - now.getTime() > renewBeforeMs ? tls : undefined;
  } catch {
    return undefined;
  }
}

export async function newTls(dnsNames: string[], ipAddresses: string[], now: Date): Promise<WebhookTls> {
  const ca = await createCertificateAuthority('koder-trace-webhook-ca', { now, days: 3650 });
  const pair = await issueCertificate(ca, {
    commonName: dnsNames[0] ?? 'koder-trace-webhook',
    dnsNames,
    ipAddresses,
    usage: 'server',
    validFor: { days: 365 },
    now,
  });
  return { caCert: ca.cert, cert: pair.cert, key: pair.key };
}

export function tlsSecret(name: string, namespace: string, tls: WebhookTls): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace, labels: MANAGED_BY },
    data: {
      'ca.crt': Buffer.from(tls.caCert).toString('base64'),
      'tls.crt': Buffer.from(tls.cert).toString('base64'),
      'tls.key': Buffer.from(tls.key).toString('base64'),
    },
  };
}
