// For tests of the code that talks to the API server: a local HTTP server standing in for it (to
// answer what a real one rarely does on demand: 429 on a list, 410 on a continue token), and a
// KubeConfig pointing at it. Closed with closeStandIns() after each test.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

const servers: Server[] = [];

export async function standInApi(handler: RequestListener): Promise<KubeConfig> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'stand-in',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true, // client-node refuses plain http without it
      },
    ],
    users: [{ name: 'test' }],
    contexts: [{ name: 'test', cluster: 'stand-in', user: 'test' }],
    currentContext: 'test',
  });
  return kc;
}

export function closeStandIns(): void {
  for (const s of servers.splice(0)) s.close();
}
