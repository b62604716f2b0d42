// How replicas prove to each other that a forwarded request comes from a peer: the shared secret (from
// cluster.secretFile) in `koder-peer-secret` metadata on the internal listener, and the tenant the
// receiving replica authenticated in `koder-tenant`. Client requests never reach that listener (it is
// a separate port, kept internal), and a request without the secret is refused before it is read, so
// no client can choose a tenant by setting a header.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const SECRET_KEY = 'koder-peer-secret';
export const TENANT_KEY = 'koder-tenant';
/** The peer listener's second method: decisions handed over when trace ownership moves. */
export const DECISIONS_PATH = '/koder.trace.v1.Peers/Decisions';

export interface PeerSecret {
  readonly value: string;
  matches(presented: string | undefined): boolean;
}

export function readPeerSecret(file: string): PeerSecret {
  const value = readFileSync(file, 'utf8').trim();
  if (value.length < 16)
    throw new Error(`cluster.secretFile ${file}: the secret must be at least 16 characters`);
  const digest = createHash('sha256').update(value).digest();
  return {
    value,
    matches(presented) {
      if (presented === undefined) return false;
      // Digests have one length, so the comparison takes the same time whatever was presented.
      return timingSafeEqual(createHash('sha256').update(presented).digest(), digest);
    },
  };
}
