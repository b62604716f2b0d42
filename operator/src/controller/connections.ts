// Connection reuse toward the API server. client-node builds a new undici Agent — a new connection
// pool, so a new TLS handshake and socket — for every request it sends (KubeConfig
// .applySecurityAuthentication → createDispatcher): under a burst of events the operator held hundreds
// of sockets and their TLS buffers at once. Here every client made from one KubeConfig shares one
// keep-alive pool per TLS identity (a rotated client certificate gets a new pool), and the plain
// HTTPS requests of raw-json.ts share one keep-alive https.Agent the same way. Credentials in headers
// (tokens) are still applied per request by client-node, so rotated tokens keep working.
import { type AgentOptions, Agent as HttpsAgent } from 'node:https';
import type { Cluster, KubeConfig } from '@kubernetes/client-node';

type TlsOptions = Pick<
  AgentOptions,
  'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'
>;

/** A TLS identity: server, CA, client certificate and key (client-node reads them for every request). */
type Identity = unknown[];
const identity = (cluster: Cluster | null, o: TlsOptions): Identity => [
  cluster?.server,
  o.ca,
  o.cert,
  o.key,
  o.pfx,
  o.passphrase,
  o.rejectUnauthorized,
  o.servername,
];
const sameIdentity = (a: Identity, b: Identity) =>
  a.every((v, i) => {
    const w = b[i];
    return Buffer.isBuffer(v) && Buffer.isBuffer(w) ? v.equals(w) : String(v) === String(w);
  });

/** A pool per identity, made on first use: mostly one; a rotated certificate adds one. */
class Pools<P> {
  readonly #entries: { id: Identity; pool: P }[] = [];
  get(id: Identity, make: () => P): P {
    const found = this.#entries.find((e) => sameIdentity(e.id, id));
    if (found) return found.pool;
    const pool = make();
    this.#entries.push({ id, pool });
    return pool;
  }
}

const pools = new WeakMap<KubeConfig, { dispatchers: Pools<unknown>; agents: Pools<HttpsAgent> }>();

/**
 * Makes every API client later made from `kc` share connections (one keep-alive pool per TLS
 * identity) instead of opening one per request. Returns `kc`. Idempotent.
 */
export function shareConnections(kc: KubeConfig): KubeConfig {
  if (pools.has(kc)) return kc;
  const p = { dispatchers: new Pools<unknown>(), agents: new Pools<HttpsAgent>() };
  pools.set(kc, p);
  // createDispatcher is private in the typings but is what applySecurityAuthentication calls on `this`.
  const target = kc as unknown as { createDispatcher(cluster: Cluster | null, o: TlsOptions): unknown };
  const create = target.createDispatcher.bind(kc);
  target.createDispatcher = (cluster, o) => p.dispatchers.get(identity(cluster, o), () => create(cluster, o));
  return kc;
}

/**
 * Node https.request options with the kubeconfig's credentials and a shared keep-alive agent (one
 * per TLS identity, made on first use), for the requests raw-json.ts sends itself.
 */
export async function httpsOptions(
  kc: KubeConfig,
  opts: AgentOptions & { method?: string; headers?: Record<string, string> },
): Promise<typeof opts & { agent: HttpsAgent }> {
  await kc.applyToHTTPSOptions(opts);
  shareConnections(kc);
  const p = pools.get(kc);
  if (!p) throw new Error('unreachable: shareConnections keeps pools for every KubeConfig');
  const agent = p.agents.get(
    identity(kc.getCurrentCluster(), opts),
    () =>
      new HttpsAgent({
        keepAlive: true,
        keepAliveMsecs: 30_000,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        pfx: opts.pfx,
        passphrase: opts.passphrase,
        ...(opts.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: opts.rejectUnauthorized }),
        ...(opts.servername === undefined ? {} : { servername: opts.servername }),
      }),
  );
  return { ...opts, agent };
}
