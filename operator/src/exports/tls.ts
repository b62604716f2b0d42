// `@koder-trace/operator/tls`: the operator's certificate authority, reused by tests that need real
// certificates.
export {
  type CertificateAuthority,
  createCertificateAuthority,
  issueCertificate,
} from '../tls/certificates.ts';
