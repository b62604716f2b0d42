// A real Kubernetes control plane for tests, started the way controller-runtime's envtest does:
// etcd plus kube-apiserver on loopback with generated certificates, RBAC on, and an admin identity
// (a client certificate in system:masters). No kubelet or controllers run: pods stay Pending and
// nothing is garbage-collected, so tests must not wait for either.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCertificateAuthority, issueCertificate } from '@koder-trace/operator/tls';
import { KubeConfig } from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import { freePorts, retryOnPortClash } from './ports.ts';
import {
  type CommandResult,
  type ManagedProcess,
  runCommand,
  startProcess,
  waitUntilReady,
} from './process.ts';
import { binaryPath } from './testbin.ts';

const CRDS_DIR = fileURLToPath(new URL('../../crds', import.meta.url));
const CRD_NAMES = ['tracetenants.trace.koder.dev', 'samplingpolicies.trace.koder.dev'];

export interface ControlPlane {
  /** An admin kubeconfig file, for kubectl and helm (`--kubeconfig` or `KUBECONFIG`). */
  readonly kubeconfigPath: string;
  /** The same identity for @kubernetes/client-node. */
  readonly kubeConfig: KubeConfig;
  readonly dir: string;
  /** Environment for child processes (kubectl, helm) pointing at this control plane. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Runs the real kubectl as the admin (stdin from `input`); never throws on a non-zero exit. */
  kubectl(args: string[], input?: string): Promise<CommandResult>;
  /** Applies the repository's CRDs (crds/) and waits until both are established; throws if refused. */
  installCrds(): Promise<void>;
  /**
   * With `{ audit: true }`: every write the API server accepted (create, update, patch, delete) from a
   * client whose user agent does not start with `kubectl`, as `verb resource[/subresource]
   * namespace/name`, oldest first. Undefined without the audit log.
   */
  auditedWrites?(): Promise<string[]>;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Keep an audit log of writes (Metadata level), read back with auditedWrites(). */
  audit?: boolean;
}

/** Audit policy: writes only, at Metadata level (no bodies). */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection]
  - level: None
`;

async function readAudit(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as {
      stage?: string;
      verb?: string;
      userAgent?: string;
      responseStatus?: { code?: number };
      objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
    };
    const code = e.responseStatus?.code ?? 0;
    if (e.stage !== 'ResponseComplete' || code < 200 || code >= 300) continue;
    if (e.userAgent?.startsWith('kubectl')) continue;
    const r = e.objectRef ?? {};
    out.push(
      `${e.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''} ${r.namespace ?? ''}/${r.name ?? ''}`,
    );
  }
  return out;
}

async function get(url: string, tls: { ca: string; cert?: string; key?: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  return retryOnPortClash(() => startOnce(opts));
}

async function startOnce(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const timeout = 90_000;
  const dir = await mkdtemp(join(tmpdir(), 'koder-cp-'));
  const procs: ManagedProcess[] = [];
  const stopAll = async (keepLogs: boolean) => {
    for (const p of procs.reverse()) await p.stop();
    if (!keepLogs) await rm(dir, { recursive: true, force: true });
  };
  try {
    const [etcdClient, etcdPeer, apiPort] = (await freePorts(3)) as [number, number, number];
    const ca = await createCertificateAuthority('koder-test-ca');
    const serving = await issueCertificate(ca, {
      commonName: 'kube-apiserver',
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default.svc'],
      ipAddresses: ['127.0.0.1', '10.0.0.1'],
      usage: 'server',
    });
    const admin = await issueCertificate(ca, {
      commonName: 'koder-test-admin',
      organizations: ['system:masters'],
      usage: 'client',
    });
    const sa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const files = {
      ca: join(dir, 'ca.crt'),
      cert: join(dir, 'apiserver.crt'),
      key: join(dir, 'apiserver.key'),
      saPub: join(dir, 'sa.pub'),
      saKey: join(dir, 'sa.key'),
      kubeconfig: join(dir, 'kubeconfig'),
      auditPolicy: join(dir, 'audit-policy.yaml'),
      auditLog: join(dir, 'audit.log'),
    };
    await Promise.all([
      writeFile(files.ca, ca.cert),
      writeFile(files.cert, serving.cert),
      writeFile(files.key, serving.key, { mode: 0o600 }),
      writeFile(files.saPub, sa.publicKey.export({ type: 'spki', format: 'pem' })),
      writeFile(files.saKey, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 }),
      writeFile(files.auditPolicy, AUDIT_POLICY),
    ]);

    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const etcd = startProcess({
      name: 'etcd',
      command: binaryPath('etcd'),
      logFile: join(dir, 'etcd.log'),
      args: [
        '--name=default',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
    });
    procs.push(etcd);
    await waitUntilReady(etcd, async () => (await fetch(`${etcdUrl}/health`)).ok, timeout);

    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = startProcess({
      name: 'kube-apiserver',
      command: binaryPath('kube-apiserver'),
      logFile: join(dir, 'kube-apiserver.log'),
      args: [
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${join(dir, 'certs')}`,
        `--tls-cert-file=${files.cert}`,
        `--tls-private-key-file=${files.key}`,
        `--client-ca-file=${files.ca}`,
        `--secure-port=${apiPort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        '--disable-admission-plugins=ServiceAccount',
        '--authorization-mode=RBAC',
        `--service-account-issuer=${server}/`,
        `--service-account-key-file=${files.saPub}`,
        `--service-account-signing-key-file=${files.saKey}`,
        '--endpoint-reconciler-type=none',
        '--v=1',
        ...(opts.audit
          ? [
              `--audit-policy-file=${files.auditPolicy}`,
              `--audit-log-path=${files.auditLog}`,
              '--audit-log-mode=blocking',
            ]
          : []),
      ],
    });
    procs.push(apiserver);
    const tls = { ca: ca.cert, cert: admin.cert, key: admin.key };
    await waitUntilReady(apiserver, async () => (await get(`${server}/readyz`, tls)) === 200, timeout);

    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': b64(ca.cert) } }],
      users: [
        {
          name: 'admin',
          user: { 'client-certificate-data': b64(admin.cert), 'client-key-data': b64(admin.key) },
        },
      ],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin', namespace: 'default' } }],
      'current-context': 'test',
    };
    await writeFile(files.kubeconfig, yaml.dump(kubeconfig), { mode: 0o600 });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(files.kubeconfig);

    const env = (extra = {}) => ({ ...process.env, KUBECONFIG: files.kubeconfig, HOME: dir, ...extra });
    const kubectl = (args: string[], input?: string) =>
      runCommand(binaryPath('kubectl'), args, { env: env(), input });
    return {
      kubeconfigPath: files.kubeconfig,
      kubeConfig,
      dir,
      env,
      kubectl,
      async installCrds() {
        for (const args of [
          ['apply', '-f', CRDS_DIR],
          ['wait', '--for=condition=established', '--timeout=30s', ...CRD_NAMES.map((n) => `crd/${n}`)],
        ]) {
          const r = await kubectl(args);
          if (r.code !== 0 || r.stderr !== '') throw new Error(`kubectl ${args[0]} of the CRDs: ${r.stderr}`);
        }
      },
      ...(opts.audit ? { auditedWrites: () => readAudit(files.auditLog) } : {}),
      stop: () => stopAll(false),
    };
  } catch (err) {
    await stopAll(true); // keep the logs in `dir` for whoever reads the failure
    throw err;
  }
}
