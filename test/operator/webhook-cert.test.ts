// Two operator replicas starting together on a fresh install, against a real kube-apiserver: both must
// serve the one webhook certificate held in the shared Secret (created once, read by everyone), and the
// registered caBundle must be that Secret's CA — else pods reaching one replica are admitted unwired.
// With --webhook-cert-manager the operator only reads the Secret cert-manager keeps (written here as
// cert-manager writes it), waits for it, and follows its renewals.
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { createCertificateAuthority, issueCertificate } from '@koder-trace/operator/tls';
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

  it('with --webhook-cert-manager, serves the Secret cert-manager writes, never writes it, and follows renewals', async () => {
    for (const op of running.splice(0)) await op.stop();
    const issue = async (cn: string) => {
      const ca = await createCertificateAuthority(cn);
      const pair = await issueCertificate(ca, {
        commonName: 'localhost',
        dnsNames: ['localhost'],
        ipAddresses: ['127.0.0.1'],
        usage: 'server',
      });
      const b64 = (t: string) => Buffer.from(t).toString('base64');
      return {
        ca: ca.cert,
        fingerprint: new X509Certificate(pair.cert).fingerprint256,
        data: { 'ca.crt': b64(ca.cert), 'tls.crt': b64(pair.cert), 'tls.key': b64(pair.key) },
      };
    };
    const port = await freePort();
    // Started before the Secret exists: it waits for cert-manager (not ready meanwhile).
    const starting = startOperatorProcess(
      cp,
      [
        '--webhook-url',
        `https://127.0.0.1:${port}`,
        '--webhook-port',
        String(port),
        '--webhook-cert-manager',
        '--webhook-tls-secret',
        'cm-webhook-tls',
        '--webhook-tls-reread-seconds',
        '1',
      ],
      'operator-cert-manager',
    );
    await new Promise((r) => setTimeout(r, 2000));
    const first = await issue('cert-manager-ca-1');
    await core.createNamespacedSecret({
      namespace: 'koder-trace',
      body: { metadata: { name: 'cm-webhook-tls' }, type: 'kubernetes.io/tls', data: first.data },
    });
    running.push(await starting);
    expect(await servedFingerprint(port)).toBe(first.fingerprint);
    const caBundle = () =>
      cp
        .kubectl([
          'get',
          'mutatingwebhookconfiguration',
          'koder-trace-pod-injector',
          '-o',
          'jsonpath={.webhooks[0].clientConfig.caBundle}',
        ])
        .then((out) => Buffer.from(out.stdout, 'base64').toString());
    await until('the caBundle is cert-manager CA', async () => (await caBundle()) === first.ca);

    const renewed = await issue('cert-manager-ca-2');
    const current = await core.readNamespacedSecret({ name: 'cm-webhook-tls', namespace: 'koder-trace' });
    await core.replaceNamespacedSecret({
      name: 'cm-webhook-tls',
      namespace: 'koder-trace',
      body: { ...current, data: renewed.data },
    });
    await until(
      'the renewed certificate served',
      async () => (await servedFingerprint(port)) === renewed.fingerprint,
    );
    await until('the caBundle follows', async () => (await caBundle()) === renewed.ca);
    const after = await core.readNamespacedSecret({ name: 'cm-webhook-tls', namespace: 'koder-trace' });
    const managers = (after.metadata?.managedFields ?? []).map((f) => f.manager);
    expect(managers).not.toContain('koder-trace-operator');
    expect(after.data).toEqual(renewed.data);
  }, 90_000);
});
