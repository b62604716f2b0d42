// How a prompt-registry webhook is signed, in the scheme Stripe and GitHub webhooks use: the header
// `X-Koder-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the tenant's secret.
// The timestamp is inside the MAC so a receiver can refuse old replays; verify() is what a receiver
// (and our tests) run.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-koder-signature';
/** A receiver that has seen this id already has the delivery (retries resend the same id and body). */
export const DELIVERY_ID_HEADER = 'x-koder-delivery-id';

function mac(secret: string | Buffer, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}

/** The header value for `body` signed at unix time `t` (seconds). */
export function signBody(secret: string | Buffer, t: number, body: string): string {
  return `t=${t},v1=${mac(secret, t, body)}`;
}

/**
 * Whether `header` signs `body` with `secret` and is at most `toleranceS` seconds from `nowS`.
 * Constant-time comparison; a malformed header is simply not valid.
 */
export function verifySignature(
  secret: string | Buffer,
  header: string | undefined,
  body: string,
  nowS: number,
  toleranceS = 300,
): boolean {
  if (!header) return false;
  const parts = new Map(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(nowS - t) > toleranceS || !/^[0-9a-f]{64}$/.test(v1)) return false;
  return timingSafeEqual(Buffer.from(mac(secret, t, body), 'hex'), Buffer.from(v1, 'hex'));
}
