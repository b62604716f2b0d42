// The operator's settings, from its command line: parsed and checked once, then frozen. Nothing else
// in the operator reads argv or the environment.
import { parseArgs } from 'node:util';

/** The API server refuses a ConfigMap whose data (keys and values) passes 1 MiB. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/** What the builders fill at most: the limit less room for the header comment and for growth between runs. */
export const CONFIGMAP_BUDGET_BYTES = CONFIGMAP_MAX_BYTES - 16 * 1024;

export interface OperatorConfig {
  /** Outside a cluster: a kubeconfig file. Inside: empty (in-cluster service account). */
  kubeconfig: string | undefined;
  /** Namespace where the operator writes the ingester config and the Tempo overrides. */
  namespace: string;
  ingesterConfigMap: string;
  tempoOverridesConfigMap: string;
  /** Tempo's distributor (OTLP/gRPC), written into the ingester config. */
  tempoEndpoint: string;
  fieldManager: string;
  /** Port for /metrics, /healthz, /readyz; 0 picks a free one. */
  adminPort: number;
  leaderElection: boolean;
  /** This replica's name in the leader Lease. */
  identity: string;
  leaseName: string;
  /** Lease timing: others take over after leaseSeconds without a renewal; the leader stops writing
   * renewDeadlineSeconds after its last renewal; attempts every retrySeconds. */
  leaseSeconds: number;
  renewDeadlineSeconds: number;
  retrySeconds: number;
  resyncSeconds: number;
  /** Bytes each ConfigMap the operator writes may fill (the API server's limit is 1 MiB). */
  configMapBudgetBytes: number;
  /** Requests in flight toward the API server at most. */
  apiConcurrency: number;
  logLevel: string;
  webhook: WebhookConfig | undefined;
  /**
   * The ingesters' headless Service (in `namespace`): when set, the ingester config has them find each
   * other through its EndpointSlices and share trace ids (trace-complete sampling across replicas).
   */
  ingesterPeerService: string | undefined;
  /** With a peer Service: the name in the certificate the chart mounts for mutual TLS between peers. */
  ingesterPeerTlsServerName: string | undefined;
  /**
   * The Secret (in `namespace`) the operator keeps the tenants' prompt-registry signing secrets in,
   * mounted into the ingester pods at `dir`: pods read Secrets of their own namespace only. Unset:
   * ratings are not delivered to registries (RegistrySecretNotFound).
   */
  registrySecret: { name: string; dir: string } | undefined;
}

export interface WebhookConfig {
  /** Port of the HTTPS admission server. */
  port: number;
  /** How the API server reaches it: a URL (outside a cluster) or a Service. */
  target: { url: string } | { service: { namespace: string; name: string; port: number } };
  /** Names and addresses the serving certificate is valid for. */
  dnsNames: string[];
  ipAddresses: string[];
  configurationName: string;
  tlsSecret: string;
  /**
   * Who writes tlsSecret: the operator (issued, shared by replicas, renewed) or cert-manager (a
   * Certificate whose Secret has tls.crt, tls.key and ca.crt; the operator only reads it).
   */
  certificates: 'operator' | 'cert-manager';
  /** How often the Secret is read again for a renewed certificate. */
  tlsRereadSeconds: number;
  /** OTLP/HTTP endpoint injected into pods. */
  ingesterEndpoint: string;
}

export const USAGE = `usage: operator [--kubeconfig FILE] [--namespace NS] [--tempo-endpoint HOST:PORT]
  [--ingester-configmap NAME] [--tempo-overrides-configmap NAME] [--admin-port 8081]
  [--field-manager koder-trace-operator] [--resync-seconds 60] [--log-level info]
  [--configmap-budget-bytes 1032192] [--api-concurrency 16]
  [--leader-election] [--identity NAME] [--lease-name koder-trace-operator]
  [--lease-seconds 15] [--renew-deadline-seconds 10] [--retry-seconds 2]
  pod webhook (off unless a target is given):
  [--webhook-service NS/NAME:PORT | --webhook-url https://HOST:PORT] [--webhook-port 9443]
  [--webhook-configuration koder-trace-pod-injector] [--webhook-tls-secret koder-trace-webhook-tls]
  [--webhook-cert-manager] [--webhook-tls-reread-seconds 43200, 300 with cert-manager]
  [--ingester-endpoint http://koder-trace-ingester.koder-trace.svc:4318]
  ingesters sharing trace ids (found through this headless Service's EndpointSlices):
  [--ingester-peer-service koder-trace-ingester-peers] [--ingester-peer-tls-server-name NAME]
  prompt registries (signing secrets copied into one Secret the ingester pods mount):
  [--registry-secret koder-trace-registry] [--registry-secret-dir /etc/koder-trace-registry]`;

export function parseOperatorArgs(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      'ingester-configmap': { type: 'string', default: 'koder-trace-ingester' },
      'tempo-overrides-configmap': { type: 'string', default: 'koder-trace-tempo-overrides' },
      'tempo-endpoint': { type: 'string', default: 'koder-trace-tempo:4317' },
      'field-manager': { type: 'string', default: 'koder-trace-operator' },
      'admin-port': { type: 'string', default: '8081' },
      'leader-election': { type: 'boolean', default: false },
      identity: { type: 'string' },
      'lease-name': { type: 'string', default: 'koder-trace-operator' },
      'lease-seconds': { type: 'string', default: '15' },
      'renew-deadline-seconds': { type: 'string', default: '10' },
      'retry-seconds': { type: 'string', default: '2' },
      'resync-seconds': { type: 'string', default: '60' },
      'configmap-budget-bytes': { type: 'string', default: String(CONFIGMAP_BUDGET_BYTES) },
      'api-concurrency': { type: 'string', default: '16' },
      'log-level': { type: 'string', default: 'info' },
      'webhook-service': { type: 'string' },
      'webhook-url': { type: 'string' },
      'webhook-port': { type: 'string', default: '9443' },
      'webhook-configuration': { type: 'string', default: 'koder-trace-pod-injector' },
      'webhook-tls-secret': { type: 'string', default: 'koder-trace-webhook-tls' },
      'webhook-cert-manager': { type: 'boolean', default: false },
      'webhook-tls-reread-seconds': { type: 'string' },
      'ingester-endpoint': { type: 'string' },
      'ingester-peer-service': { type: 'string' },
      'ingester-peer-tls-server-name': { type: 'string' },
      'registry-secret': { type: 'string' },
      'registry-secret-dir': { type: 'string', default: '/etc/koder-trace-registry' },
    },
  });
  const number = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`--${name} must be a whole number, got ${JSON.stringify(v)}`);
    return n;
  };
  const namespace = values.namespace ?? env.POD_NAMESPACE ?? 'koder-trace';
  let webhook: WebhookConfig | undefined;
  const common = {
    port: number('webhook-port', values['webhook-port']),
    configurationName: values['webhook-configuration'],
    tlsSecret: values['webhook-tls-secret'],
    certificates: values['webhook-cert-manager'] ? ('cert-manager' as const) : ('operator' as const),
    // cert-manager renews on its own schedule: look more often than for our own year-long certificate.
    tlsRereadSeconds: Math.max(
      1,
      number(
        'webhook-tls-reread-seconds',
        values['webhook-tls-reread-seconds'] ?? (values['webhook-cert-manager'] ? '300' : '43200'),
      ),
    ),
    ingesterEndpoint: values['ingester-endpoint'] ?? `http://koder-trace-ingester.${namespace}.svc:4318`,
  };
  if (values['webhook-url']) {
    const url = new URL(values['webhook-url']);
    const isIp = /^[\d.]+$/.test(url.hostname);
    webhook = {
      ...common,
      target: { url: url.origin },
      dnsNames: isIp ? ['localhost'] : [url.hostname],
      ipAddresses: isIp ? [url.hostname] : [],
    };
  } else if (values['webhook-service']) {
    const m = /^([^/]+)\/([^:]+):(\d+)$/.exec(values['webhook-service']);
    if (!m)
      throw new Error(
        `--webhook-service must look like NAMESPACE/NAME:PORT, got ${JSON.stringify(values['webhook-service'])}`,
      );
    const [, ns, name, port] = m as unknown as [string, string, string, string];
    webhook = {
      ...common,
      target: { service: { namespace: ns, name, port: Number(port) } },
      dnsNames: [`${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`],
      ipAddresses: [],
    };
  }
  return Object.freeze({
    kubeconfig: values.kubeconfig ?? env.KUBECONFIG,
    namespace,
    ingesterConfigMap: values['ingester-configmap'],
    tempoOverridesConfigMap: values['tempo-overrides-configmap'],
    tempoEndpoint: values['tempo-endpoint'],
    fieldManager: values['field-manager'],
    adminPort: number('admin-port', values['admin-port']),
    leaderElection: values['leader-election'],
    identity: values.identity ?? env.POD_NAME ?? `operator-${process.pid}`,
    leaseName: values['lease-name'],
    ...leaseTiming(
      number('lease-seconds', values['lease-seconds']),
      number('renew-deadline-seconds', values['renew-deadline-seconds']),
      number('retry-seconds', values['retry-seconds']),
    ),
    resyncSeconds: number('resync-seconds', values['resync-seconds']),
    configMapBudgetBytes: Math.min(
      number('configmap-budget-bytes', values['configmap-budget-bytes']),
      CONFIGMAP_BUDGET_BYTES,
    ),
    apiConcurrency: Math.max(1, number('api-concurrency', values['api-concurrency'])),
    logLevel: values['log-level'],
    webhook,
    ingesterPeerService: values['ingester-peer-service'] || undefined,
    ingesterPeerTlsServerName: values['ingester-peer-tls-server-name'] || undefined,
    registrySecret: values['registry-secret']
      ? { name: values['registry-secret'], dir: values['registry-secret-dir'] }
      : undefined,
  });
}

function leaseTiming(lease: number, renewDeadline: number, retry: number) {
  if (!(retry >= 1 && retry < renewDeadline && renewDeadline < lease))
    throw new Error(
      `lease timing must satisfy 1 <= --retry-seconds < --renew-deadline-seconds < --lease-seconds, got ${retry}, ${renewDeadline}, ${lease}`,
    );
  return { leaseSeconds: lease, renewDeadlineSeconds: renewDeadline, retrySeconds: retry };
}
