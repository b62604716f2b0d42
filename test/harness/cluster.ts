// A real single-node Kubernetes cluster for the end-to-end suites (test/cluster/), built from the parts
// /work/shared/realnode.md lists: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet
// and kube-proxy from k8s.io/kubernetes, CoreDNS, and Debian's containerd, runc, CNI plugins and
// iptables. Pods run in real containers from the images scripts/build-images.sh makes, imported into
// containerd (pods use them with imagePullPolicy: Never).
//
// Everything runs inside a network namespace the harness creates (`ip netns add`, processes started
// with `nsenter --net`): the node address (10.250.0.1 on lo), pods (10.244.0.0/24 on the bridge
// koder0), Services (10.96.0.0/16), the iptables rules of kube-proxy and of the CNI plugins exist only
// there, and no traffic leaves the machine. The test process reaches in through `kubectl`/`helm`
// (run in the namespace) and `fetch` (a small HTTP proxy in the namespace, on a Unix socket).
//
// What it changes on the host — mounts under its folder, pod network namespaces under /run/netns,
// cgroups under /<name> in each hierarchy, containerd's shim sockets, /var/log/containers links — is
// undone by a teardown script that runs on stop(), and also, from a watcher process, when the test
// process dies without stopping it (a trap that runs on failure too).
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  issueCertificate,
} from '@koder-trace/operator/tls';
import * as yaml from 'js-yaml';
import { builtImages, type ImageName, requireImages } from './cluster-images.ts';
import { type CommandResult, type ManagedProcess, startProcess, waitUntilReady } from './process.ts';
import { type Availability, binaryPath, requireBinaries, unavailable } from './testbin.ts';
import { until } from './wait.ts';

export const NODE_IP = '10.250.0.1';
export const DNS_IP = '10.250.0.10';
export const NODE_NAME = 'koder-node';
const POD_CIDR = '10.244.0.0/24';
const CLUSTER_CIDR = '10.244.0.0/16';
const SERVICE_CIDR = '10.96.0.0/16';

type ClusterBinary =
  | 'kubelet'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kube-proxy'
  | 'coredns'
  | 'pause';

function versions(): Record<string, string> {
  const out: Record<string, string> = {};
  const file = fileURLToPath(new URL('../testbin/versions.env', import.meta.url));
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(\S+)/.exec(line);
    if (m?.[1] && m[2]) out[m[1]] = m[2];
  }
  return out;
}

/** Where build.sh puts the cluster's own binaries (`test/testbin/build.sh cluster`). */
export function clusterBinaryPath(name: ClusterBinary): string {
  const v = versions();
  const dir =
    process.env.KODER_TESTBIN_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'koder-trace', 'testbin');
  const folder =
    name === 'coredns'
      ? `coredns-${v.COREDNS_VERSION}`
      : name === 'pause'
        ? `pause-${v.PAUSE_VERSION}`
        : `kubernetes-node-${v.KUBERNETES_VERSION}`;
  return join(dir, folder, name);
}

const hostTools: [tool: string, path: string, pkg: string][] = [
  ['containerd', '/usr/bin/containerd', 'containerd'],
  ['containerd-shim-runc-v2', '/usr/bin/containerd-shim-runc-v2', 'containerd'],
  ['ctr', '/usr/bin/ctr', 'containerd'],
  ['runc', '/usr/sbin/runc', 'runc'],
  ['CNI bridge plugin', '/usr/lib/cni/bridge', 'containernetworking-plugins'],
  ['iptables', '/usr/sbin/iptables', 'iptables'],
  ['ip', '/usr/sbin/ip', 'iproute2'],
  ['nsenter', '/usr/bin/nsenter', 'util-linux'],
];

/**
 * Whether a real cluster can run here: root, the Debian tools, the binaries and the images. Under CI a
 * missing part fails the suite; elsewhere the suite skips and its title says why.
 */
export function requireCluster(...images: ImageName[]): Availability {
  if (process.getuid?.() !== 0) {
    return unavailable(
      'a real cluster needs root (network namespaces, mounts, cgroups, iptables); run the suite as root',
    );
  }
  const missingTools = hostTools.filter(([, path]) => !existsSync(path));
  if (missingTools.length > 0) {
    return unavailable(
      `missing ${missingTools.map(([t, , p]) => `${t} (Debian ${p})`).join(', ')}; ` +
        'scripts/ensure-cluster-tools.sh installs them (make cluster does this)',
    );
  }
  const bins = requireBinaries('etcd', 'kube-apiserver', 'kubectl', 'helm');
  if (!bins.ok) return bins;
  const names: ClusterBinary[] = [
    'kubelet',
    'kube-controller-manager',
    'kube-scheduler',
    'kube-proxy',
    'coredns',
    'pause',
  ];
  const missing = names.filter((n) => !existsSync(clusterBinaryPath(n)));
  if (missing.length > 0) {
    return unavailable(
      `cluster binaries missing: ${missing.map((n) => clusterBinaryPath(n)).join(', ')}; ` +
        'build them with test/testbin/build.sh cluster (make cluster does this)',
    );
  }
  return requireImages('pause', ...images);
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface Cluster {
  readonly name: string;
  readonly dir: string;
  /** The admin kubeconfig (server https://10.250.0.1:6443: usable inside the namespace only). */
  readonly kubeconfigPath: string;
  /** Images imported into containerd, by name (reference, repository, tag). */
  readonly images: ReturnType<typeof builtImages>;
  /** Environment for kubectl and helm. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Runs a command inside the cluster's network namespace; never throws on a non-zero exit. */
  run(command: string, args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
  helm(args: string[], opts?: { timeoutMs?: number }): Promise<CommandResult>;
  /** An HTTP request to an address inside the cluster (a Service name, a pod IP). */
  fetch(
    url: string,
    init?: { method?: string; headers?: Record<string, string>; body?: Buffer | string },
  ): Promise<HttpResult>;
  /** Starts a long-running command in the namespace (e.g. kubectl port-forward); stopped with the cluster. */
  spawn(name: string, command: string, args: string[]): ManagedProcess;
  /** Stops everything and undoes every change to the host (also runs if the test process dies). */
  stop(): Promise<void>;
}

// Host folders a node writes to whatever its configuration says (kubelet's device-plugin socket
// folder, the CNI result cache, container log links, runc and shim state, pod network namespaces).
const hostFolders = [
  '/run/netns',
  '/run/containerd',
  '/var/lib/kubelet',
  '/var/lib/cni',
  '/var/log/pods',
  '/var/log/containers',
];

/**
 * Runs a command to completion (never throws on a non-zero exit). Unlike process.ts's runCommand, a
 * command given no input gets no stdin pipe, so one that exits at once cannot fail the run with EPIPE.
 */
export function runCommand(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    const end = () => child.kill('SIGKILL');
    process.once('exit', end);
    child.once('error', (err) => {
      clearTimeout(timer);
      process.off('exit', end);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      process.off('exit', end);
      resolve({ code, stdout, stderr });
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a command that does not read its input
      child.stdin.end(opts.input);
    }
  });
}

/** What a cluster run may change on the host, to check that teardown put it back. */
export function hostState(): string[] {
  const list = (dir: string) =>
    existsSync(dir) ? readdirSync(dir).map((f) => `${dir}/${f}`) : [`${dir} (absent)`];
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m)
    .map((m) => `mount ${m}`);
  const cgroups = existsSync('/sys/fs/cgroup')
    ? readdirSync('/sys/fs/cgroup').flatMap((h) => {
        try {
          return readdirSync(`/sys/fs/cgroup/${h}`, { withFileTypes: true })
            .filter((d) => d.isDirectory())
            .map((d) => `cgroup ${h}/${d.name}`);
        } catch {
          return [];
        }
      })
    : [];
  return [
    ...hostFolders.flatMap(list),
    ...list('/etc/cni'),
    ...list('/opt/cni'),
    ...mounts,
    ...cgroups,
  ].sort();
}

interface Files {
  [k: string]: string;
}

function kubeconfig(server: string, ca: string, user: { cert: string; key: string }): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'koder', cluster: { server, 'certificate-authority-data': b64(ca) } }],
    users: [
      { name: 'user', user: { 'client-certificate-data': b64(user.cert), 'client-key-data': b64(user.key) } },
    ],
    contexts: [{ name: 'koder', context: { cluster: 'koder', user: 'user' } }],
    'current-context': 'koder',
  });
}

// The teardown, as a script so that a watcher can run it when the test process is gone. It is
// idempotent: each step does nothing when there is nothing left to undo. `before` holds what each
// host folder held before the cluster started; what was added is removed, a folder that was absent
// goes (one cluster at a time runs on a machine, and nothing else there runs a node).
function teardownScript(name: string, dir: string): string {
  const before = hostFolders
    .map((d) => {
      const entries = existsSync(d) ? readdirSync(d) : undefined;
      return `before[${d}]=${entries ? `'${entries.map((e) => ` ${e} `).join('')}'` : 'ABSENT'}`;
    })
    .join('\n');
  return `#!/usr/bin/env bash
# Teardown of test cluster ${name} (written by test/harness/cluster.ts). Safe to run more than once.
set -u
if [[ -n \${KODER_CLUSTER_TEARDOWN_TRACE:-} ]]; then exec 2>>"$KODER_CLUSTER_TEARDOWN_TRACE"; PS4='+ $SECONDS '; set -x; fi
ns=${name}
dir=${dir}
declare -A before
${before}
# 1. Every process of the cluster: first the containers' (found through the cluster's cgroups), while
#    their shims live to reap them (a process nobody reaps keeps its cgroup busy), then those in the
#    network namespace (control plane, kubelet, containerd and the shims).
kill_containers() {
  for h in /sys/fs/cgroup/*/; do
    [[ -d $h$ns ]] || continue
    find "$h$ns" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
  done
}
for round in 1 2 3 4 5 6; do
  kill_containers
  sleep 0.3
done
for round in 1 2 3; do
  if [[ -e /run/netns/$ns ]]; then
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [[ -n $pids ]] && kill -9 $pids 2>/dev/null
  fi
  kill_containers
  sleep 0.3
done
# 2. Mounts under the cluster's folder (kubelet volumes, containerd's snapshots and sandboxes), deepest first.
for m in $(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r); do
  umount -l "$m" 2>/dev/null
done
# 3. The cluster's cgroups, deepest first, in every hierarchy (a cgroup stays busy for a moment after
#    its last process is killed: try again for up to 20 s).
for try in $(seq 40); do
  left=0
  for h in /sys/fs/cgroup/*/; do
    [[ -d $h$ns ]] || continue
    find "$h$ns" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
    find "$h$ns" -depth -type d -exec rmdir {} \\; 2>/dev/null
    [[ -d $h$ns ]] && left=1
  done
  [[ $left == 0 ]] && break
  sleep 0.5
done
# 4. The network namespace (its bridge, veths, iptables rules and addresses go with it).
ip netns del "$ns" 2>/dev/null
# 5. What the node added to host folders: pod network namespaces (mounts), runc and shim state,
#    kubelet's device-plugin folder, the CNI cache, log folders and links.
for d in ${hostFolders.join(' ')}; do
  [[ -e $d ]] || continue
  for e in "$d"/* "$d"/.[!.]*; do
    [[ -e $e || -L $e ]] || continue
    [[ \${before[$d]} != ABSENT && \${before[$d]} == *" $(basename "$e") "* ]] && continue
    for m in $(awk -v d="$e" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r); do
      umount -l "$m" 2>/dev/null
    done
    rm -rf "$e"
  done
  if [[ \${before[$d]} == ABSENT ]]; then
    mountpoint -q "$d" && umount -l "$d"
    rmdir "$d" 2>/dev/null
  fi
done
# 6. The folder itself (kept, with the logs, when KODER_KEEP_CLUSTER_DIR is set).
[[ -n \${KODER_KEEP_CLUSTER_DIR:-} ]] || rm -rf "$dir"
exit 0
`;
}

export async function startCluster(opts: { images?: ImageName[] } = {}): Promise<Cluster> {
  const t0 = Date.now();
  const name = `koder-cluster-${process.pid}`;
  const dir = await mkdtemp(`/tmp/${name}-`);
  const procs: ManagedProcess[] = [];
  const netns = `/run/netns/${name}`;
  const inNs = (command: string, args: string[]) => ({
    command: 'nsenter',
    args: [`--net=${netns}`, '--', command, ...args],
  });
  const files: Files = {};
  const teardown = join(dir, 'teardown.sh');
  await writeFile(teardown, teardownScript(name, dir));
  await chmod(teardown, 0o755);
  // The trap: a watcher outside the test process runs the teardown once this process is gone.
  const watcher: ChildProcess = spawn(
    'bash',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; exec ${teardown}`],
    { detached: true, stdio: 'ignore' },
  );
  watcher.unref();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const p of procs.reverse()) await p.stop(3000).catch(() => undefined);
    const result = await runCommand(teardown, [], { timeoutMs: 120_000 });
    if (result.code !== 0) console.warn(`[cluster] teardown: ${result.stderr}`);
    watcher.pid && process.kill(watcher.pid, 'SIGKILL');
  };

  const start = (procName: string, command: string, args: string[], env?: NodeJS.ProcessEnv) => {
    const c = inNs(command, args);
    const p = startProcess({
      name: procName,
      command: c.command,
      args: c.args,
      logFile: join(dir, `${procName}.log`),
      env,
    });
    procs.push(p);
    return p;
  };
  const run = (
    command: string,
    args: string[],
    o: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
  ) => {
    const c = inNs(command, args);
    return runCommand(c.command, c.args, o);
  };
  const must = async (what: string, r: Promise<CommandResult>) => {
    const res = await r;
    if (res.code !== 0) throw new Error(`${what} failed (exit ${res.code}): ${res.stderr || res.stdout}`);
    return res;
  };

  try {
    // --- the network namespace, its loopback holding the node's and the DNS server's addresses
    await must('ip netns add', runCommand('ip', ['netns', 'add', name]));
    await must('lo up', runCommand('ip', ['-n', name, 'link', 'set', 'lo', 'up']));
    await must('node address', runCommand('ip', ['-n', name, 'addr', 'add', `${NODE_IP}/32`, 'dev', 'lo']));
    await must('DNS address', runCommand('ip', ['-n', name, 'addr', 'add', `${DNS_IP}/32`, 'dev', 'lo']));
    // A default route, so that kubelet and kube-proxy find the node's address (nothing is reachable
    // through it: the namespace has no link to the outside).
    await must(
      'default route',
      runCommand('ip', ['-n', name, 'route', 'add', 'default', 'dev', 'lo', 'src', NODE_IP]),
    );

    // --- cgroups: the cluster's own root in every hierarchy (cpuset needs its cpus and mems set)
    for (const h of readdirSync('/sys/fs/cgroup')) {
      const base = `/sys/fs/cgroup/${h}`;
      if (!existsSync(`${base}/cgroup.procs`)) continue;
      await mkdir(`${base}/${name}`, { recursive: true });
      if (h === 'cpuset') {
        for (const f of ['cpuset.cpus', 'cpuset.mems']) {
          await writeFile(`${base}/${name}/${f}`, readFileSync(`${base}/${f}`, 'utf8'));
        }
      }
    }

    // --- certificates and kubeconfigs
    const ca: CertificateAuthority = await createCertificateAuthority('koder-cluster-ca');
    const issue = (
      commonName: string,
      o: {
        organizations?: string[];
        dnsNames?: string[];
        ipAddresses?: string[];
        usage: 'server' | 'client';
      },
    ) => issueCertificate(ca, { commonName, ...o });
    const server = `https://${NODE_IP}:6443`;
    const apiserverCert = await issue('kube-apiserver', {
      dnsNames: [
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
        'localhost',
      ],
      ipAddresses: [NODE_IP, '10.96.0.1', '127.0.0.1'],
      usage: 'server',
    });
    const kubeletServing = await issue(NODE_NAME, {
      dnsNames: [NODE_NAME],
      ipAddresses: [NODE_IP],
      usage: 'server',
    });
    const identities = {
      admin: await issue('koder-admin', { organizations: ['system:masters'], usage: 'client' }),
      kubelet: await issue(`system:node:${NODE_NAME}`, { organizations: ['system:nodes'], usage: 'client' }),
      'controller-manager': await issue('system:kube-controller-manager', { usage: 'client' }),
      scheduler: await issue('system:kube-scheduler', { usage: 'client' }),
      proxy: await issue('system:kube-proxy', { usage: 'client' }),
      'apiserver-kubelet-client': await issue('kube-apiserver-kubelet-client', {
        organizations: ['system:masters'],
        usage: 'client',
      }),
    };
    const sa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pki = join(dir, 'pki');
    await mkdir(pki, { recursive: true });
    const put = async (key: string, file: string, content: string, mode = 0o600) => {
      files[key] = join(pki, file);
      await writeFile(files[key], content, { mode });
    };
    await put('ca', 'ca.crt', ca.cert, 0o644);
    await put('apiserverCert', 'apiserver.crt', apiserverCert.cert);
    await put('apiserverKey', 'apiserver.key', apiserverCert.key);
    await put('kubeletCert', 'kubelet.crt', kubeletServing.cert);
    await put('kubeletKey', 'kubelet.key', kubeletServing.key);
    await put(
      'kubeletClientCert',
      'apiserver-kubelet-client.crt',
      identities['apiserver-kubelet-client'].cert,
    );
    await put('kubeletClientKey', 'apiserver-kubelet-client.key', identities['apiserver-kubelet-client'].key);
    await put('saPub', 'sa.pub', sa.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    await put('saKey', 'sa.key', sa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    for (const [who, pair] of Object.entries(identities)) {
      await put(`kc-${who}`, `${who}.kubeconfig`, kubeconfig(server, ca.cert, pair));
    }
    const kubeconfigPath = files['kc-admin'] as string;
    const f = (k: string) => files[k] as string;

    // --- containerd (own config, root, state and socket) and the CNI network
    const ctrd = join(dir, 'containerd');
    const sock = join(ctrd, 'containerd.sock');
    await mkdir(join(dir, 'cni', 'net.d'), { recursive: true });
    await writeFile(
      join(dir, 'cni', 'net.d', '10-koder.conflist'),
      JSON.stringify({
        cniVersion: '0.4.0',
        name: 'koder',
        plugins: [
          {
            type: 'bridge',
            bridge: 'koder0',
            isGateway: true,
            ipMasq: true,
            hairpinMode: true,
            ipam: {
              type: 'host-local',
              ranges: [[{ subnet: POD_CIDR }]],
              routes: [{ dst: '0.0.0.0/0' }],
              dataDir: join(dir, 'cni', 'ipam'),
            },
          },
          { type: 'portmap', capabilities: { portMappings: true } },
        ],
      }),
    );
    const pause = builtImages().pause;
    if (!pause) throw new Error('the pause image is not built (scripts/build-images.sh all)');
    await writeFile(
      join(dir, 'containerd.toml'),
      `version = 2
root = "${ctrd}/root"
state = "${ctrd}/state"
[grpc]
  address = "${sock}"
[ttrpc]
  address = "${sock}.ttrpc"
[debug]
  address = "${sock}.debug"
[plugins."io.containerd.internal.v1.opt"]
  path = "${ctrd}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/${pause.reference}"
  # Root here lacks CAP_SYS_RESOURCE: without this every sandbox fails in runc.
  restrict_oom_score_adj = true
  enable_cdi = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${ctrd}/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${dir}/cni/net.d"
`,
    );
    const containerd = start('containerd', '/usr/bin/containerd', [
      '--config',
      join(dir, 'containerd.toml'),
      '--log-level',
      'warn',
    ]);
    await waitUntilReady(containerd, async () => existsSync(sock), 30_000);
    const ctr = (args: string[], timeoutMs = 300_000) =>
      runCommand('/usr/bin/ctr', ['--address', sock, '--namespace', 'k8s.io', ...args], { timeoutMs });
    // The images, imported while the control plane starts.
    const all = builtImages();
    const wanted: ImageName[] = ['pause', ...(opts.images ?? [])];
    const imports = (async () => {
      for (const img of new Set(wanted)) {
        const built = all[img];
        if (!built) throw new Error(`image ${img} is not built (scripts/build-images.sh all)`);
        await must(`ctr images import ${built.archive}`, ctr(['images', 'import', built.archive]));
      }
    })();

    // --- etcd and the control plane
    const etcd = start('etcd', binaryPath('etcd'), [
      '--name=koder',
      `--data-dir=${join(dir, 'etcd')}`,
      '--listen-client-urls=http://127.0.0.1:2379',
      '--advertise-client-urls=http://127.0.0.1:2379',
      '--listen-peer-urls=http://127.0.0.1:2380',
      '--initial-advertise-peer-urls=http://127.0.0.1:2380',
      '--initial-cluster=koder=http://127.0.0.1:2380',
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    const probeEtcd = `fetch('http://127.0.0.1:2379/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
    await waitUntilReady(
      etcd,
      async () => (await run(process.execPath, ['-e', probeEtcd])).code === 0,
      60_000,
    );
    const apiserver = start('kube-apiserver', binaryPath('kube-apiserver'), [
      '--etcd-servers=http://127.0.0.1:2379',
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${f('apiserverCert')}`,
      `--tls-private-key-file=${f('apiserverKey')}`,
      `--client-ca-file=${f('ca')}`,
      '--secure-port=6443',
      '--bind-address=0.0.0.0',
      `--advertise-address=${NODE_IP}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--allow-privileged=true',
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
      `--service-account-key-file=${f('saPub')}`,
      `--service-account-signing-key-file=${f('saKey')}`,
      `--kubelet-client-certificate=${f('kubeletClientCert')}`,
      `--kubelet-client-key=${f('kubeletClientKey')}`,
      `--kubelet-certificate-authority=${f('ca')}`,
      '--kubelet-preferred-address-types=InternalIP',
      '--v=1',
    ]);
    const kubectl = (args: string[], o: { input?: string; timeoutMs?: number } = {}) =>
      run(binaryPath('kubectl'), ['--kubeconfig', kubeconfigPath, ...args], o);
    await waitUntilReady(
      apiserver,
      async () => (await kubectl(['get', '--raw', '/readyz'])).code === 0,
      90_000,
    );

    start('kube-controller-manager', clusterBinaryPath('kube-controller-manager'), [
      `--kubeconfig=${f('kc-controller-manager')}`,
      `--authentication-kubeconfig=${f('kc-controller-manager')}`,
      `--authorization-kubeconfig=${f('kc-controller-manager')}`,
      `--service-account-private-key-file=${f('saKey')}`,
      `--root-ca-file=${f('ca')}`,
      '--use-service-account-credentials=true',
      `--cluster-cidr=${CLUSTER_CIDR}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--v=1',
    ]);
    start('kube-scheduler', clusterBinaryPath('kube-scheduler'), [
      `--kubeconfig=${f('kc-scheduler')}`,
      `--authentication-kubeconfig=${f('kc-scheduler')}`,
      `--authorization-kubeconfig=${f('kc-scheduler')}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--v=1',
    ]);

    // --- CoreDNS, as a process of the node on its own address (clusterDNS)
    await writeFile(
      join(dir, 'Corefile'),
      `.:53 {
  bind ${DNS_IP}
  errors
  ready 127.0.0.1:8181
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig ${kubeconfigPath}
    pods insecure
  }
  cache 5
}
`,
    );
    start('coredns', clusterBinaryPath('coredns'), ['-conf', join(dir, 'Corefile')]);

    // --- kubelet and kube-proxy
    await writeFile(join(dir, 'resolv.conf'), 'options ndots:5\n');
    await writeFile(
      join(dir, 'kubelet.yaml'),
      yaml.dump({
        apiVersion: 'kubelet.config.k8s.io/v1beta1',
        kind: 'KubeletConfiguration',
        authentication: {
          anonymous: { enabled: false },
          webhook: { enabled: false },
          x509: { clientCAFile: f('ca') },
        },
        authorization: { mode: 'AlwaysAllow' },
        tlsCertFile: f('kubeletCert'),
        tlsPrivateKeyFile: f('kubeletKey'),
        address: NODE_IP,
        readOnlyPort: 0,
        healthzBindAddress: '127.0.0.1',
        clusterDomain: 'cluster.local',
        clusterDNS: [DNS_IP],
        resolvConf: join(dir, 'resolv.conf'),
        cgroupDriver: 'cgroupfs',
        cgroupRoot: `/${name}`,
        failCgroupV1: false,
        failSwapOn: false,
        containerRuntimeEndpoint: `unix://${sock}`,
        volumePluginDir: join(dir, 'volume-plugins'),
        // The machine's disk use is not the cluster's business: never evict for it.
        evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
        imageGCHighThresholdPercent: 100,
        imageGCLowThresholdPercent: 99,
        serializeImagePulls: false,
        maxPods: 60,
        protectKernelDefaults: false,
        rotateCertificates: false,
        localStorageCapacityIsolation: false,
      }),
    );
    start('kubelet', clusterBinaryPath('kubelet'), [
      `--config=${join(dir, 'kubelet.yaml')}`,
      `--kubeconfig=${f('kc-kubelet')}`,
      `--root-dir=${join(dir, 'kubelet')}`,
      `--hostname-override=${NODE_NAME}`,
      `--node-ip=${NODE_IP}`,
      '--v=1',
    ]);
    await writeFile(
      join(dir, 'kube-proxy.yaml'),
      yaml.dump({
        apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
        kind: 'KubeProxyConfiguration',
        clientConnection: { kubeconfig: f('kc-proxy') },
        mode: 'iptables',
        clusterCIDR: CLUSTER_CIDR,
        hostnameOverride: NODE_NAME,
        // No bridge netfilter assumptions: Service traffic is masqueraded, so replies come back
        // through the node whatever the bridge does.
        iptables: { masqueradeAll: true },
        conntrack: { maxPerCore: 0 },
        metricsBindAddress: '127.0.0.1:10249',
        healthzBindAddress: '127.0.0.1:10256',
      }),
    );
    start('kube-proxy', clusterBinaryPath('kube-proxy'), [
      `--config=${join(dir, 'kube-proxy.yaml')}`,
      '--v=1',
    ]);

    // --- the HTTP proxy into the namespace, for the test process
    const proxySocket = join(dir, 'proxy.sock');
    const proxy = start('cluster-proxy', process.execPath, [
      fileURLToPath(new URL('./cluster-proxy.ts', import.meta.url)),
      proxySocket,
      DNS_IP,
    ]);
    await waitUntilReady(proxy, async () => existsSync(proxySocket), 20_000);

    await imports;
    // Wait, never sleep: the node Ready, the default ServiceAccount, CoreDNS ready.
    await until(
      'node Ready',
      async () =>
        (
          await kubectl([
            'get',
            'node',
            NODE_NAME,
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
          ])
        ).stdout === 'True',
      120_000,
    );
    await until(
      'the default ServiceAccount',
      async () => (await kubectl(['get', 'sa', 'default'])).code === 0,
      60_000,
    );
    const fetchIn = (
      url: string,
      init: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
    ) =>
      new Promise<HttpResult>((resolve, reject) => {
        const req = request(
          { socketPath: proxySocket, path: `/${url}`, method: init.method ?? 'GET', headers: init.headers },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const body = Buffer.concat(chunks);
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body,
                text: () => body.toString('utf8'),
                json: <T>() => JSON.parse(body.toString('utf8')) as T,
              });
            });
            res.on('error', reject);
          },
        );
        req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(init.body);
      });
    await until(
      'CoreDNS ready',
      async () => (await fetchIn('http://127.0.0.1:8181/ready')).status === 200,
      60_000,
    );
    console.log(`[cluster] ${name} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (folder ${dir})`);

    const env = (extra: NodeJS.ProcessEnv = {}) => ({
      ...process.env,
      KUBECONFIG: kubeconfigPath,
      HOME: dir,
      ...extra,
    });
    return {
      name,
      dir,
      kubeconfigPath,
      images: Object.fromEntries(wanted.map((w) => [w, all[w]])),
      env,
      run: (command, args, o) => run(command, args, { ...o, env: env() }),
      kubectl,
      helm: (args, o) =>
        run(binaryPath('helm'), ['--kubeconfig', kubeconfigPath, ...args], {
          timeoutMs: o?.timeoutMs ?? 600_000,
          env: env(),
        }),
      fetch: fetchIn,
      spawn: (procName, command, args) => start(procName, command, args, env()),
      stop,
    };
  } catch (err) {
    const tails = procs.map((p) => `--- ${p.name} (${p.logFile}):\n${p.tail(15)}`).join('\n');
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tails}`);
  }
}
