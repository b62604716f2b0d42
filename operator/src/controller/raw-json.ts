// Plain JSON requests to the API server with the kubeconfig's credentials, where client-node's typed
// client is wrong or too costly: it serialises a Lease's MicroTime fields with millisecond precision,
// which the API server refuses (it wants RFC 3339 with microseconds), and its typed round trip is
// most of the operator's CPU for the requests there is one of per tenant (the informers' paged lists,
// token Secret creates, status patches). They reuse kept-alive connections (connections.ts) rather
// than a handshake per request.
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

export async function rawJson<T>(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<T> {
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
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 300) reject(new ApiError(res.statusCode ?? 0, text));
        else resolve(JSON.parse(text) as T);
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
