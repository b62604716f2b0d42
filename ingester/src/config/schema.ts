// The ingester's configuration: one document (YAML or JSON) holding the server settings, the exporter
// and the compiled tenants. The operator writes the tenants part from TraceTenant and SamplingPolicy
// resources (and `make run` does the same from manifests), so this schema is the contract between the
// two programs. Types are derived from the schema, never written twice.
import Type, { type Static } from 'typebox';
import { MIN_BUDGET_BYTES } from '../memory/fit-budget.ts';

const Probability = Type.Number({ minimum: 0, maximum: 1, description: 'Probability in [0, 1]' });

export const ConditionOp = Type.Union([
  Type.Literal('equals'),
  Type.Literal('notEquals'),
  Type.Literal('in'),
  Type.Literal('prefix'),
  Type.Literal('regex'),
  Type.Literal('exists'),
  Type.Literal('notExists'),
  Type.Literal('gt'),
  Type.Literal('gte'),
  Type.Literal('lt'),
  Type.Literal('lte'),
]);

export const Condition = Type.Object(
  {
    field: Type.String({
      minLength: 1,
      description:
        'What to match: name, kind, status, service, resource.<attribute>, or attribute.<span attribute>',
    }),
    op: ConditionOp,
    value: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    values: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
  },
  { additionalProperties: false },
);

export const Rule = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    match: Type.Array(Condition, { description: 'All conditions must hold' }),
    probability: Probability,
  },
  { additionalProperties: false },
);

export const SamplingMode = Type.Union([Type.Literal('trace'), Type.Literal('head')], {
  default: 'trace',
  description:
    'trace: spans wait until their trace is complete and the whole trace is kept or dropped; head: each span is decided on its own as it arrives',
});

/** What trace-complete sampling waits for unless a policy says otherwise. */
export const TRACE_WAIT_DEFAULTS = Object.freeze({
  quietMs: 2000,
  maxAgeMs: 30_000,
  maxSpans: 10_000,
  maxBytes: 16 * 1024 * 1024,
  decideOnAgentEnd: true,
});

/** When a buffered trace is decided (mode trace). */
export const TraceWait = Type.Object(
  {
    quietMs: Type.Integer({
      minimum: 0,
      maximum: 600_000,
      default: TRACE_WAIT_DEFAULTS.quietMs,
      description: 'After the root span arrived, decide once no span of the trace came for this long',
    }),
    maxAgeMs: Type.Integer({
      minimum: 100,
      maximum: 3_600_000,
      default: 30_000,
      description:
        "Decide a trace this long after its first span arrived, root or not (a trace's last chance)",
    }),
    maxSpans: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: TRACE_WAIT_DEFAULTS.maxSpans,
      description: 'Decide a trace at once when it holds this many spans',
    }),
    maxBytes: Type.Integer({
      minimum: 1024,
      maximum: 1024 * 1024 * 1024,
      default: TRACE_WAIT_DEFAULTS.maxBytes,
      description: 'Decide a trace at once when its buffered spans take this many bytes',
    }),
    decideOnAgentEnd: Type.Boolean({
      default: TRACE_WAIT_DEFAULTS.decideOnAgentEnd,
      description:
        'Decide at once, without the quiet period, when the root span is an agent run (gen_ai.operation.name invoke_agent)',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const Sampling = Type.Object(
  {
    defaultProbability: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
    keepErrors: Type.Boolean({ default: true }),
    rules: Type.Array(Rule, { default: [] }),
    /** Optional so that writers of this config (the operator) may leave them out; absent = defaults. */
    mode: Type.Optional(SamplingMode),
    trace: Type.Optional(TraceWait),
  },
  { additionalProperties: false },
);

/** Ingester-wide settings of trace-complete sampling. */
export const TailConfig = Type.Object(
  {
    decisionCacheTraces: Type.Integer({
      minimum: 1000,
      default: 200_000,
      description:
        'Decisions remembered (most recent first) so that spans arriving after their trace was decided follow the decision',
    }),
    sweepIntervalMs: Type.Integer({
      minimum: 10,
      maximum: 10_000,
      default: 100,
      description: 'How often buffered traces are checked for being due',
    }),
    rescue: Type.Object(
      {
        dir: Type.String({
          default: '',
          description:
            'Where spans of dropped traces wait for a late rating to bring them back; empty: no rescue (a late rating is kept alone)',
        }),
        windowMs: Type.Integer({
          minimum: 1000,
          default: 600_000,
          description: 'How long a dropped trace can be rescued by a rating',
        }),
        maxBytes: Type.Integer({
          minimum: 1024 * 1024,
          default: 1024 * 1024 * 1024,
          description: 'Disk the rescue store may use; past it the oldest dropped traces go first',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const Limits = Type.Object(
  {
    spansPerSecond: Type.Number({ exclusiveMinimum: 0, default: 5000 }),
    burst: Type.Integer({ minimum: 1, default: 10000 }),
    maxAttributeValueBytes: Type.Integer({ minimum: 64, default: 65536 }),
    maxRequestBytes: Type.Integer({ minimum: 1024, default: 8 * 1024 * 1024 }),
  },
  { additionalProperties: false, default: {} },
);

export const ContentCapture = Type.Union([
  Type.Literal('full'),
  Type.Literal('metadata'),
  Type.Literal('none'),
]);

/** Where a tenant's ratings are delivered as signed webhooks (ingester/src/registry-webhook). */
export const PromptRegistryTarget = Type.Object(
  {
    url: Type.String({
      pattern: '^https?://[^\\s]+$',
      description: 'The prompt registry endpoint each rating is POSTed to (JSON, signed)',
    }),
    signingSecretFile: Type.String({
      minLength: 1,
      description: 'A file holding the HMAC-SHA256 signing secret (a mounted Secret; read on every delivery)',
    }),
  },
  { additionalProperties: false },
);

export const PromptRegistry = Type.Object(
  {
    dir: Type.String({
      default: '',
      description:
        'Directory of the delivery outbox; empty: in memory (undelivered ratings are lost on restart)',
    }),
    maxBytes: Type.Integer({
      minimum: 4096,
      default: 64 * 1024 * 1024,
      description:
        'Outbox cap; past it new deliveries are refused (counted and logged), ratings still stored',
    }),
    timeoutMs: Type.Integer({ minimum: 100, default: 10_000, description: 'One delivery attempt' }),
    initialBackoffMs: Type.Integer({ minimum: 10, default: 1000 }),
    maxBackoffMs: Type.Integer({ minimum: 10, default: 5 * 60_000 }),
    maxAgeMs: Type.Integer({
      minimum: 1000,
      default: 24 * 3600_000,
      description: 'A delivery still failing this long after its rating is dead-lettered',
    }),
    concurrency: Type.Integer({ minimum: 1, default: 8 }),
  },
  { additionalProperties: false, default: {} },
);

export const Tenant = Type.Object(
  {
    id: Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9._-]{0,149}$', description: 'Tempo X-Scope-OrgID' }),
    tokenSha256: Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), {
      description: 'SHA-256 (hex) of each accepted bearer token; tokens themselves are never stored',
    }),
    readTokenSha256: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), {
        description:
          'SHA-256 of tokens that read this tenant’s traces (the query service) and send nothing (the receivers ignore them)',
      }),
    ),
    ingestTokenReads: Type.Optional(
      Type.Boolean({
        description: 'Whether the tokenSha256 tokens also read (default true); false: write-only',
      }),
    ),
    readUsers: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        maxItems: 256,
        description:
          'People who read this tenant’s traces without a token, as a trusted proxy’s identity header names them (the query service)',
      }),
    ),
    readGroups: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        maxItems: 64,
        description:
          'Groups whose members read this tenant’s traces, as a trusted proxy’s groups header lists them',
      }),
    ),
    limits: Type.Optional(Limits),
    contentCapture: Type.Optional(ContentCapture),
    sampling: Type.Optional(Sampling),
    samplingRef: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'A key of the top-level policies, shared by the tenants that name it; instead of sampling',
      }),
    ),
    promptRegistry: Type.Optional(PromptRegistryTarget),
  },
  { additionalProperties: false },
);

export const ServerTls = Type.Object(
  {
    certFile: Type.String({ minLength: 1, description: 'PEM certificate (chain) the receivers present' }),
    keyFile: Type.String({ minLength: 1, description: 'PEM private key of certFile' }),
    clientCaFile: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'PEM CA bundle: when set, clients must present a certificate it signed (mTLS)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ClientTls = Type.Object(
  {
    caFile: Type.Optional(
      Type.String({ minLength: 1, description: 'PEM CA bundle to verify the receiver with (a private CA)' }),
    ),
    certFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM client certificate (mTLS)' })),
    keyFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key of certFile' })),
    serverName: Type.Optional(
      Type.String({ minLength: 1, description: "Name to expect in the receiver's certificate" }),
    ),
  },
  { additionalProperties: false },
);

export const Exporter = Type.Object(
  {
    /** `otlp-grpc` sends to Tempo's distributor (or any OTLP receiver); `none` accepts and discards. */
    kind: Type.Union([Type.Literal('otlp-grpc'), Type.Literal('none')], { default: 'otlp-grpc' }),
    endpoint: Type.String({ default: '127.0.0.1:4317', description: 'host:port of the OTLP/gRPC receiver' }),
    insecure: Type.Boolean({ default: true, description: 'true: plain gRPC; false: TLS (see tls)' }),
    tls: Type.Optional(ClientTls),
    timeoutMs: Type.Integer({ minimum: 1, default: 10_000 }),
    maxBatchSpans: Type.Integer({ minimum: 1, default: 8192 }),
    maxBatchDelayMs: Type.Integer({ minimum: 0, default: 200 }),
    queueMaxSpans: Type.Integer({ minimum: 1, default: 200_000 }),
    retryInitialMs: Type.Integer({ minimum: 1, default: 250 }),
    retryMaxMs: Type.Integer({ minimum: 1, default: 30_000 }),
    maxBatchBytes: Type.Integer({
      minimum: 64 * 1024,
      default: 3 * 1024 * 1024,
      description:
        "Largest export request in bytes; keep it under the receiver's message limit (Tempo's OTLP/gRPC receiver: 4 MiB)",
    }),
    deadLetterDir: Type.String({
      default: '',
      description:
        'Where batches that storage refuses permanently are kept (re-drivable from the admin port); empty: they are counted and logged only',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const Memory = Type.Object(
  {
    maxBytes: Type.Optional(
      Type.Integer({
        minimum: MIN_BUDGET_BYTES,
        description:
          "Bytes held for clients at once: request bodies being read and processed, and spans waiting for storage; past it, requests are refused with 503 and a retry delay. Unset: 256 MiB, or less to fit the container's memory limit; a value the limit cannot hold stops the start",
      }),
    ),
  },
  { additionalProperties: false, default: {} },
);

export const Wal = Type.Object(
  {
    dir: Type.String({
      default: '',
      description:
        'Directory of the write-ahead log; empty: none (spans waiting for storage live in memory only and are lost if the process dies)',
    }),
    durability: Type.Union([Type.Literal('fsync'), Type.Literal('batch')], {
      default: 'fsync',
      description:
        'fsync: a request is acknowledged once its spans are synced to disk; batch: once written (synced every syncIntervalMs: survives a process crash, not a power loss)',
    }),
    segmentBytes: Type.Integer({ minimum: 1024 * 1024, default: 64 * 1024 * 1024 }),
    syncIntervalMs: Type.Integer({ minimum: 10, default: 200 }),
  },
  { additionalProperties: false, default: {} },
);

export const Listen = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0' }),
    grpcPort: Type.Integer({ minimum: 0, maximum: 65535, default: 4317 }),
    httpPort: Type.Integer({ minimum: 0, maximum: 65535, default: 4318 }),
    adminPort: Type.Integer({ minimum: 0, maximum: 65535, default: 8888 }),
    maxConnections: Type.Integer({ minimum: 1, default: 4096, description: 'Open connections per receiver' }),
    maxConnectionsPerIp: Type.Integer({
      minimum: 1,
      default: 512,
      description: 'Open connections per receiver from one client address',
    }),
    idleTimeoutMs: Type.Integer({
      minimum: 1000,
      default: 120_000,
      description: 'A connection with no traffic for this long is closed',
    }),
    headersTimeoutMs: Type.Integer({
      minimum: 1000,
      default: 15_000,
      description: "HTTP: time allowed to send a request's headers",
    }),
    tls: Type.Optional(ServerTls),
    requestTimeoutMs: Type.Integer({
      minimum: 1000,
      default: 60_000,
      description: 'HTTP: time allowed to send a whole request',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const Peer = Type.Object(
  {
    id: Type.String({
      pattern: '^[a-zA-Z0-9][a-zA-Z0-9._-]{0,252}$',
      description: 'The replica (its pod name)',
    }),
    endpoint: Type.String({ minLength: 1, description: "host:port of the replica's internal peer listener" }),
  },
  { additionalProperties: false },
);

/** Replicas that share trace ids among themselves, so each trace is buffered and decided by one. */
export const Cluster = Type.Object(
  {
    selfId: Type.String({
      default: '',
      description: "This replica's id in peers; empty: no routing (every replica decides what it receives)",
    }),
    peers: Type.Array(Peer, {
      default: [],
      description: 'Every replica, this one included; each owns the trace ids rendezvous hashing gives it',
    }),
    discovery: Type.Optional(
      Type.Object(
        {
          service: Type.String({
            pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
            description: "The headless Service whose EndpointSlices' ready endpoints are the replicas",
          }),
          namespace: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' }),
          portName: Type.String({ default: 'peer', description: "The Service's port for the peer listener" }),
          kubeconfig: Type.String({
            default: '',
            description: "A kubeconfig file; empty: the pod's service account",
          }),
        },
        {
          additionalProperties: false,
          description:
            'In a cluster, instead of peers: watch the replicas. selfId defaults to $POD_NAME (else the host name); read at start',
        },
      ),
    ),
    port: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 4319,
      description: 'The internal OTLP/gRPC listener peers forward to (on listen.host); keep it internal',
    }),
    secretFile: Type.String({
      default: '',
      description:
        'A file holding the secret peers present to each other (the same on every replica); required with peers',
    }),
    tls: Type.Optional(
      Type.Object(
        {
          certFile: Type.String({
            minLength: 1,
            description: 'PEM certificate this replica presents, as server and as client',
          }),
          keyFile: Type.String({ minLength: 1, description: 'PEM private key of certFile' }),
          caFile: Type.String({
            minLength: 1,
            description: "PEM CA bundle: peers' certificates must be signed by it, both ways (mutual TLS)",
          }),
          serverName: Type.String({
            minLength: 1,
            description: "Name to expect in a peer's certificate (peers are dialled by address, not name)",
          }),
        },
        {
          additionalProperties: false,
          description:
            'Mutual TLS on the peer channel (else plain gRPC, authenticated by the shared secret alone)',
        },
      ),
    ),
    forwardMaxDelayMs: Type.Integer({
      minimum: 0,
      maximum: 1000,
      default: 5,
      description: 'How long spans for a peer wait to be sent together with others',
    }),
    forwardMaxSpans: Type.Integer({ minimum: 1, default: 4096, description: 'Spans per forwarded request' }),
    forwardTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  },
  { additionalProperties: false, default: {} },
);

export const Admin = Type.Object(
  {
    tokenSha256: Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), {
      default: [],
      description:
        'SHA-256 (hex) of bearer tokens that may read /metrics and the admin endpoints; empty: open (keep the port internal)',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const MetricsConfig = Type.Object(
  {
    maxLabelValues: Type.Integer({
      minimum: 1,
      default: 500,
      description:
        'Distinct values a client-controlled label (service, model, prompt version) keeps per tenant; later ones count under "other"',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const IngesterConfig = Type.Object(
  {
    /**
     * `tokens` (default): every request needs a tenant's bearer token; with no tenants listed, every
     * request is refused. `none`: single-tenant mode, chosen explicitly (tenant `default`, no token).
     */
    auth: Type.Union([Type.Literal('tokens'), Type.Literal('none')], { default: 'tokens' }),
    listen: Listen,
    wal: Wal,
    memory: Memory,
    tail: TailConfig,
    cluster: Cluster,
    admin: Admin,
    metrics: MetricsConfig,
    exporter: Exporter,
    promptRegistry: PromptRegistry,
    /** Applied to tenants that set no limits of their own, and to single-tenant mode. */
    defaultLimits: Limits,
    defaultContentCapture: Type.Optional(ContentCapture),
    /** Sampling policies stored once and named by tenants' samplingRef. */
    policies: Type.Record(Type.String({ minLength: 1 }), Sampling, { default: {} }),
    /** The tenants and their token hashes (auth: tokens). */
    tenants: Type.Array(Tenant, { default: [] }),
    /**
     * More tenants, packed: base64 of the gzip of a JSON array of tenants, read as if appended to
     * `tenants`. The operator writes this form when the plain list would not fit in one ConfigMap.
     */
    tenantsPacked: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+/=]*$' })),
    shutdownGraceMs: Type.Integer({ minimum: 0, default: 10_000 }),
  },
  { additionalProperties: false },
);

export type ConditionConfig = Static<typeof Condition>;
export type RuleConfig = Static<typeof Rule>;
export type SamplingConfig = Static<typeof Sampling>;
export type SamplingModeConfig = Static<typeof SamplingMode>;
export type TraceWaitConfig = Static<typeof TraceWait>;
export type TailSettings = Static<typeof TailConfig>;
export type ClusterConfig = Static<typeof Cluster>;
export type Peer = Static<typeof Peer>;
export type LimitsConfig = Static<typeof Limits>;
export type ContentCaptureConfig = Static<typeof ContentCapture>;
export type TenantConfig = Static<typeof Tenant>;
export type ExporterConfig = Static<typeof Exporter>;
export type ListenConfig = Static<typeof Listen>;
export type PromptRegistryConfig = Static<typeof PromptRegistry>;
export type IngesterConfigDoc = Static<typeof IngesterConfig>;
