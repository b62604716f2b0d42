// The admin port: /metrics (Prometheus), /healthz (the process is alive), /readyz (ready until shutdown
// begins — what a Kubernetes readiness probe should watch; the port only opens once the receivers listen),
// plus any routes the caller adds. It is meant for inside the cluster only. When `admin.tokenSha256` is
// set, everything but the two probes needs `Authorization: Bearer <token>` (checked by the token's
// SHA-256, like tenant tokens). The server is total: a throwing route answers 500, never crashes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { sha256Hex } from '../tenants/registry.ts';

/** The request target split at `?`; `query` never throws on malformed input. */
export interface AdminUrl {
  path: string;
  query: URLSearchParams;
}

export type AdminRoute = (req: IncomingMessage, res: ServerResponse, url: AdminUrl) => void | Promise<void>;

export interface AdminDeps {
  registry: Registry;
  ready: () => boolean;
  /**
   * Hex SHA-256 of the bearer tokens that may use the port (`admin.tokenSha256` of the config in force,
   * read per request so reloads apply). Empty or absent: open.
   */
  tokenSha256?: () => readonly string[];
  /** More endpoints behind the same authentication, keyed by "METHOD /path" (e.g. "GET /dead-letter"). */
  routes?: Record<string, AdminRoute>;
  /** Where a route's failure is reported (the client only gets a 500). */
  log?: { error(obj: object, msg: string): void };
}

/** Kubelet probes carry no token: these stay open whatever the config says. */
const PROBES = new Set(['/healthz', '/readyz']);

const text = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
};

/** Path and query of an origin-form request target, or undefined when it is not one. */
function splitTarget(target: string | undefined): AdminUrl | undefined {
  if (!target?.startsWith('/')) return undefined;
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  return { path, query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) };
}

function authorised(header: string | undefined, hashes: readonly string[]): boolean {
  if (hashes.length === 0) return true;
  if (!header) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // Compared by hash: how long the comparison takes says nothing useful about an accepted token.
  return m?.[1] !== undefined && hashes.includes(sha256Hex(m[1]));
}

export function createAdminServer(deps: AdminDeps): Server {
  const builtIn: Record<string, AdminRoute> = {
    'GET /metrics': async (_req, res) => {
      const body = await deps.registry.metrics();
      res.writeHead(200, { 'content-type': deps.registry.contentType }).end(body);
    },
    'GET /healthz': (_req, res) => text(res, 200, 'ok\n'),
    'GET /readyz': (_req, res) => {
      const ok = deps.ready();
      text(res, ok ? 200 : 503, ok ? 'ready\n' : 'not ready\n');
    },
  };
  for (const key of Object.keys(deps.routes ?? {})) {
    if (Object.hasOwn(builtIn, key)) throw new Error(`admin route ${key} is built in`);
    if (!/^[A-Z]+ \/\S*$/.test(key))
      throw new Error(`admin route ${JSON.stringify(key)} is not "METHOD /path"`);
  }
  const routes = new Map(Object.entries({ ...builtIn, ...deps.routes }));
  const paths = new Map<string, string[]>();
  for (const key of routes.keys()) {
    const [method = '', path = ''] = key.split(' ');
    paths.set(path, [...(paths.get(path) ?? []), method]);
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = splitTarget(req.url);
    if (!url) return text(res, 400, 'bad request target\n');
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? '');
    const probe = method === 'GET' && PROBES.has(url.path);
    if (!probe && !authorised(req.headers.authorization, deps.tokenSha256?.() ?? [])) {
      return text(res, 401, 'admin token required\n', {
        'www-authenticate': 'Bearer realm="koder-trace-admin"',
      });
    }
    const route = routes.get(`${method} ${url.path}`);
    if (route) return route(req, res, url);
    const allowed = paths.get(url.path);
    if (allowed) return text(res, 405, 'method not allowed\n', { allow: allowed.join(', ') });
    return text(res, 404, `not found; see ${[...routes.keys()].join(', ')}\n`);
  };

  return createServer((req, res) => {
    // handle() is async: whatever a route throws, synchronously or not, arrives here.
    handle(req, res).catch((err: unknown) => {
      try {
        deps.log?.error({ err, method: req.method, url: req.url }, 'admin request failed');
        if (res.headersSent) res.destroy();
        else text(res, 500, 'internal error\n');
      } catch {
        res.destroy();
      }
    });
  });
}
