// X.509 material for TLS: a small CA and certificates it signs (ECDSA P-256).
// Used by the webhook server for its serving certificate and by the test control plane.
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 uses the global WebCrypto (globalThis.crypto), which Node provides.
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface PemPair {
  /** PEM certificate. */
  cert: string;
  /** PEM private key (PKCS#8). */
  key: string;
}

export interface CertificateAuthority extends PemPair {
  readonly keys: CryptoKeyPair;
  readonly certificate: x509.X509Certificate;
}

export interface CertificateRequest {
  commonName: string;
  /** Subject organisations; Kubernetes reads them as the client's groups. */
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /** 'server' for serving certificates, 'client' for client authentication, 'both' for a party that
   * presents one certificate as server and as client (ingester peers, mutual TLS). */
  usage: 'server' | 'client' | 'both';
  validFor?: { days: number };
  /** Defaults to now; injectable so tests and renewal logic control the clock. */
  now?: Date;
}

function subject(commonName: string, organizations: string[] = []): string {
  const escapeRdn = (s: string) => s.replace(/([,+="\\<>;])/g, '\\$1');
  return [`CN=${escapeRdn(commonName)}`, ...organizations.map((o) => `O=${escapeRdn(o)}`)].join(', ');
}

function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  // Backdate a little so a peer whose clock is slightly behind still accepts the certificate.
  const notBefore = new Date(now.getTime() - 5 * 60_000);
  const notAfter = new Date(now.getTime() + days * 86_400_000);
  return { notBefore, notAfter };
}

function serialNumber(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive
  return Buffer.from(bytes).toString('hex');
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function createCertificateAuthority(
  commonName: string,
  opts: { days?: number; now?: Date } = {},
): Promise<CertificateAuthority> {
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: subject(commonName),
    ...validity(opts.now ?? new Date(), opts.days ?? 3650),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { keys, certificate, cert: certificate.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}

export async function issueCertificate(ca: CertificateAuthority, req: CertificateRequest): Promise<PemPair> {
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const names: x509.JsonGeneralName[] = [
    ...(req.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(req.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension(
      [
        ...(req.usage !== 'client' ? [x509.ExtendedKeyUsage.serverAuth] : []),
        ...(req.usage !== 'server' ? [x509.ExtendedKeyUsage.clientAuth] : []),
      ],
      false,
    ),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: subject(req.commonName, req.organizations),
    issuer: ca.certificate.subject,
    ...validity(req.now ?? new Date(), req.validFor?.days ?? 365),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: algorithm,
    extensions,
  });
  return { cert: certificate.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}
