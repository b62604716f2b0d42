// Connection reuse: every client made from one KubeConfig, and raw-json's requests, go over kept-alive
// TLS connections instead of a handshake per request (client-node alone opens one per request).
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../tls/certificates.ts';
import { shareConnections } from './connections.ts';
import { rawJson } from './raw-json.ts';

let handshakes = 0;
let server: ReturnType<typeof createServer>;
let kubeconfig: () => KubeConfig;

beforeAll(async () => {
  const ca = await createCertificateAuthority('connections-test-ca');
  const serving = await issueCertificate(ca, {
    commonName: 'apiserver',
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  const client = await issueCertificate(ca, { commonName: 'operator', usage: 'client' });
  server = createServer({ ...serving, ca: ca.cert, requestCert: true }, (req, res) => {
    req.resume();
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'ns' } }));
  });
  server.on('secureConnection', () => handshakes++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  kubeconfig = () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'c',
          server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
          caData: b64(ca.cert),
          skipTLSVerify: false,
        },
      ],
      users: [{ name: 'u', certData: b64(client.cert), keyData: b64(client.key) }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return kc;
  };
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const requests = async (kc: KubeConfig) => {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (let i = 0; i < 10; i++) {
    await core.readNamespacedSecret({ namespace: 'ns', name: 'x' });
    await custom.getNamespacedCustomObject({
      group: 'g',
      version: 'v1',
      namespace: 'ns',
      plural: 'p',
      name: 'x',
    });
  }
};

it('without it, client-node opens a TLS connection per request (what this fixes)', async () => {
  handshakes = 0;
  await requests(kubeconfig());
  expect(handshakes).toBe(20);
});

it('with it, 20 requests from two clients share a kept-alive pool; raw-json requests share one more', async () => {
  handshakes = 0;
  const kc = shareConnections(kubeconfig());
  await requests(kc);
  // undici may open a second connection while the first is still being handed back to the pool
  expect(handshakes).toBeLessThanOrEqual(2);
  const before = handshakes;
  await requests(kc);
  expect(handshakes).toBe(before);
  for (let i = 0; i < 5; i++) await rawJson(kc, 'GET', '/api/v1/namespaces/ns/secrets/x');
  expect(handshakes).toBe(before + 1);
});
