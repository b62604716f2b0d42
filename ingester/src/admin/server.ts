// The admin port: /metrics (Prometheus), /healthz (the process is alive), /readyz (ready until shutdown
// begins — what a Kubernetes readiness probe should watch; the port only opens once the receivers listen).
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export function createAdminServer(deps: { registry: Registry; ready: () => boolean }): Server {
  return createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/metrics') {
      deps.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': deps.registry.contentType }).end(text))
        .catch((err: Error) => res.writeHead(500).end(err.message));
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ok = deps.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('see /metrics, /healthz, /readyz\n');
    }
  });
}
