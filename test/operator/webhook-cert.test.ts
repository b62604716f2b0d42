// Two operator replicas starting together on a fresh install, against a real kube-apiserver: both must
// serve the one webhook certificate held in the shared Secret (created once, read by everyone), and the
// registered caBundle must be that Secret's CA — else pods reaching one replica are admitted unwired.
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../harness/control-plane.ts';
import { type RunningOperator, startOperatorProcess } from '../harness/operator.ts';
import { freePort } from '../harness/ports.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const bins = requireBinaries('etcd', 'kube-apiserver', 'kubectl');

/** The fingerprint of the certificate a TLS server presents. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe.skipIf(!bins.ok)(suiteTitle('one webhook certificate across replicas', bins), () => {
  let cp: ControlPlane;
  let core: CoreV1Api;
  const running: RunningOperator[] = [];

  beforeAll(async () => {
    cp = await startControlPlane();
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await cp.installCrds();
    await core.createNamespace({ body: { metadata: { name: 'koder-trace' } } });
  });
  afterAll(async () => {
    for (const op of running) await op.stop();
    await cp?.stop();
  });

  it('replicas starting together serve the Secret certificate, and the caBundle is its CA', async () => {
    const ports = [await freePort(), await freePort()];
    running.push(
      ...(await Promise.all(
        ports.map((port, i) =>
          startOperatorProcess(
            cp,
            [
              '--leader-election',
              '--identity',
              `r${i}`,
              '--webhook-url',
              `https://127.0.0.1:${ports[0]}`,
              '--webhook-port',
              String(port),
            ],
            `operator-r${i}`,
          ),
        ),
      )),
    );
    const secret = await core.readNamespacedSecret({
      name: 'koder-trace-webhook-tls',
      namespace: 'koder-trace',
    });
    const dec = (k: string) => Buffer.from(secret.data?.[k] ?? '', 'base64').toString();
    const stored = new X509Certificate(dec('tls.crt')).fingerprint256;
    expect(await servedFingerprint(ports[0] ?? 0)).toBe(stored);
    expect(await servedFingerprint(ports[1] ?? 0)).toBe(stored);
    const caBundle = await until('the webhook registration', async () => {
      const out = await cp.kubectl([
        'get',
        'mutatingwebhookconfiguration',
        'koder-trace-pod-injector',
        '-o',
        'jsonpath={.webhooks[0].clientConfig.caBundle}',
      ]);
      return out.stdout || undefined;
    });
    expect(Buffer.from(caBundle, 'base64').toString()).toBe(dec('ca.crt'));
  }, 90_000);
});
