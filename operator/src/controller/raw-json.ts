// Plain JSON requests to the API server with the kubeconfig's credentials, where client-node's typed
// client is wrong or too costly: it serialises a Lease's MicroTime fields with millisecond precision,
// which the API server refuses (it wants RFC 3339 with microseconds), and its typed round trip is
// most of the operator's CPU for the requests there is one of per tenant (the informers' paged lists,
// token Secret creates, status patches). Writes whose answer is not needed (those creates and
// patches, the Lease's) go by rawWrite, which does not parse the object the API server sends back.
// They reuse kept-alive connections (connections.ts) rather than a handshake per request.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { httpsOptions } from './connections.ts';

export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: number;
  constructor(code: number, body: string) {
    super(`API server answered ${code}: ${body.slice(0, 500)}`);
    this.code = code;
  }
}

export function rawJson<T>(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<T> {
  return send(kc, method, path, body, contentType, true) as Promise<T>;
}

/**
 * A write whose answer is not needed (a create, a status patch): the body the API server sends back
 * — the whole object, managedFields and all — is read off the connection but not parsed. At 10,000
 * tenants that is 20,000 objects the operator would parse only to drop.
 */
export async function rawWrite(
  kc: KubeConfig,
  method: string,
  path: string,
  body: unknown,
  contentType = 'application/json',
): Promise<void> {
  await send(kc, method, path, body, contentType, false);
}

async function send(
  kc: KubeConfig,
  method: string,
  path: string,
  body: unknown,
  contentType: string,
  parse: boolean,
): Promise<unknown> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, server);
  const { agent, ...opts } = await httpsOptions(kc, {
    method,
    headers: { accept: 'application/json', 'content-type': contentType },
  });
  // Plain http only for a local stand-in API server (tests); the shared agent is an HTTPS one.
  const plain = url.protocol === 'http:';
  return new Promise((resolve, reject) => {
    const req = (plain ? httpRequest : httpsRequest)(url, plain ? opts : { ...opts, agent }, (res) => {
      const failed = (res.statusCode ?? 0) >= 300;
      const chunks: Buffer[] = [];
      // Read to the end either way, so the kept-alive connection can serve the next request.
      res.on('data', (c: Buffer) => {
        if (parse || failed) chunks.push(c);
      });
      res.on('end', () => {
        if (!parse && !failed) return resolve(undefined);
        const text = Buffer.concat(chunks).toString('utf8');
        if (failed) return reject(new ApiError(res.statusCode ?? 0, text));
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          // An answer that is not JSON fails this request; thrown here it would end the process.
          reject(
            new Error(
              `API server answered ${method} ${url.pathname} with a body that is not JSON: ${(err as Error).message}`,
            ),
          );
        }
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** RFC 3339 with microseconds, as metav1.MicroTime wants. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
