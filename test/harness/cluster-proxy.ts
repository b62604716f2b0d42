// Runs inside the test cluster's network namespace (started by cluster.ts with nsenter --net) and lets
// the test process, outside it, reach in-cluster addresses: an HTTP server on a Unix socket (a file,
// so reachable across network namespaces) that forwards each request to the URL in its path,
// resolving Service names through the cluster's CoreDNS.
//   node cluster-proxy.ts <socket> <dns-ip>
// A request for /http://koder-query.koder.svc:8080/api/v1/traces goes to that URL.
import { Resolver } from 'node:dns/promises';
import { createServer, request } from 'node:http';
import { isIP } from 'node:net';

const [socket, dnsIp] = process.argv.slice(2);
if (!socket || !dnsIp) throw new Error('usage: cluster-proxy.ts <socket> <dns-ip>');
const resolver = new Resolver({ timeout: 2000, tries: 2 });
resolver.setServers([dnsIp]);

const server = createServer(async (req, res) => {
  try {
    const target = new URL((req.url ?? '/').slice(1));
    const host = isIP(target.hostname)
      ? target.hostname
      : (await resolver.resolve4(target.hostname.replace(/\.?$/, '.')))[0];
    if (!host) throw new Error(`no address for ${target.hostname}`);
    const headers = { ...req.headers, host: target.host };
    const out = request(
      {
        host,
        port: target.port || 80,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers,
      },
      (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
      },
    );
    out.setTimeout(15_000, () => out.destroy(new Error('timeout')));
    out.on('error', (err) => {
      if (!res.headersSent) res.writeHead(599, { 'x-proxy-error': err.message });
      res.end(err.message);
    });
    req.pipe(out);
  } catch (err) {
    res.writeHead(599, { 'x-proxy-error': String(err) });
    res.end(String(err));
  }
});
server.listen(socket, () => console.log(`cluster-proxy listening on ${socket}`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
