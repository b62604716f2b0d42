// The webhook's serving certificate, shared by every replica through one Secret. Whoever finds the
// Secret absent creates it (create-if-absent); one near expiry is replaced only at the version read;
// everyone else reads what it holds — so every replica serves the one chain the caBundle names.
import type { Logger } from 'pino';
import type { WebhookConfig } from '../config.ts';
import type { Kube } from '../controller/kube.ts';
import { newTls, tlsSecret, usableTls, type WebhookTls } from './tls.ts';

/** How often the Secret is re-read (and renewed when near expiry) by default. */
export const RENEWAL_CHECK_MS = 12 * 3600_000;

/**
 * The chain in the shared Secret when still usable; else one issued here and written only if the
 * Secret is still as read (created if absent, replaced at the resourceVersion read), so replicas
 * starting together all end up serving the one chain that won. `kube` is not leader-guarded: every
 * replica serves the webhook, leader or not.
 */
export async function sharedTls(
  kube: Kube,
  namespace: string,
  w: Pick<WebhookConfig, 'tlsSecret' | 'dnsNames' | 'ipAddresses'>,
  log: Logger,
): Promise<WebhookTls> {
  for (let attempt = 0; ; attempt++) {
    const secret = await kube.readSecret(namespace, w.tlsSecret);
    const usable = usableTls(secret, new Date());
    if (usable) return usable;
    const tls = await newTls(w.dnsNames, w.ipAddresses, new Date());
    const body = tlsSecret(w.tlsSecret, namespace, tls);
    const written = secret
      ? (await kube.replaceSecret({
          ...body,
          metadata: { ...body.metadata, resourceVersion: secret.metadata?.resourceVersion },
        })) === 'replaced'
      : (await kube.createSecret(body)) === 'created';
    if (written) {
      log.info({ secret: `${namespace}/${w.tlsSecret}` }, 'webhook certificate issued');
      return tls;
    }
    if (attempt >= 5) throw new Error(`webhook certificate Secret ${w.tlsSecret}: kept changing under us`);
  }
}

/**
 * The chain cert-manager keeps in the Secret (tls.crt, tls.key and ca.crt, the CA the caBundle names),
 * read and never written; waited for (every `retryMs`) while absent or not yet valid, e.g. while
 * cert-manager has not issued it yet.
 */
export async function certManagerTls(
  kube: Pick<Kube, 'readSecret'>,
  namespace: string,
  secretName: string,
  log: Logger,
  retryMs = 2000,
): Promise<WebhookTls> {
  for (let attempt = 0; ; attempt++) {
    const tls = usableTls(await kube.readSecret(namespace, secretName), new Date(), 0);
    if (tls) return tls;
    if (attempt % 15 === 0)
      log.warn(
        { secret: `${namespace}/${secretName}` },
        'waiting for cert-manager to write the webhook certificate (tls.crt, tls.key, ca.crt)',
      );
    await new Promise((r) => setTimeout(r, retryMs));
  }
}

/**
 * Re-reads (or renews) the shared certificate every `everyMs`; calls `onChange` with a chain that
 * differs from the one served. Returns the stop function.
 */
export function renewPeriodically(
  current: WebhookTls,
  renew: () => Promise<WebhookTls>,
  onChange: (tls: WebhookTls) => void,
  log: Logger,
  everyMs = RENEWAL_CHECK_MS,
): () => void {
  let served = current;
  let busy = false; // a renewal still waiting (cert-manager's Secret absent) is not started twice
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    const next = await renew()
      .catch((err) => {
        log.error({ err: String(err) }, 'webhook certificate not renewed');
        return undefined;
      })
      .finally(() => {
        busy = false;
      });
    if (!next || next.cert === served.cert) return;
    served = next;
    onChange(next);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
