// The shapes the query API answers with, as JSON Schema (typebox): the OpenAPI document's response
// schemas, the UI's types and the contract test's checks all come from here.
import Type, { type Static } from 'typebox';
import { DIMENSIONS } from '../../model/dashboard-point.ts';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Strict = { additionalProperties: false };
const Ns = Type.String({ pattern: '^\\d+$', description: 'Nanoseconds since the epoch, as decimal text' });
const HexId = (bytes: number) => Type.String({ pattern: `^[0-9a-f]{${bytes * 2}}$` });
const Json = Type.Record(Type.String(), Type.Unknown());

/** An answer other than 2xx: what went wrong, naming the field or parameter. */
export const ApiError = Type.Object(
  {
    error: Type.String(),
    tenants: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'The tenants a person signed in through the trusted proxy reads, when they must choose one (X-Koder-Tenant)',
      }),
    ),
  },
  Strict,
);

/** Cost of a set of calls that stays honest about calls it could not price (cost/cost-sum.ts). */
const Cost = {
  costUsd: Nullable(Type.Number({ description: 'USD of the priced calls; null when none could be priced' })),
  costPartial: Type.Boolean({ description: 'Some calls had no price: costUsd is a lower bound' }),
  costUnknown: Type.Array(Type.String(), { description: '"price unknown for provider/model", per pair' }),
};

export const Tokens = Type.Object(
  {
    input: Type.Number(),
    output: Type.Number(),
    cacheRead: Type.Number(),
    cacheCreation: Type.Number(),
    reasoning: Type.Number(),
  },
  Strict,
);

export const RatingSummary = Nullable(Type.Object({ average: Type.Number(), count: Type.Number() }, Strict));

export const TraceRow = Type.Object(
  {
    traceId: HexId(16),
    startTimeUnixNano: Ns,
    durationMs: Type.Number(),
    rootService: Nullable(Type.String()),
    rootName: Nullable(Type.String()),
    spanCount: Type.Number(),
    error: Type.Boolean(),
    tokens: Tokens,
    models: Type.Array(Type.String()),
    promptVersions: Type.Array(Type.String()),
    ...Cost,
    rating: RatingSummary,
    preview: Nullable(
      Type.Object(
        {
          input: Nullable(
            Type.String({ description: "The last user message of the trace's first LLM call" }),
          ),
          output: Nullable(Type.String({ description: 'What its last LLM call answered' })),
        },
        {
          ...Strict,
          description: 'One short line each (at most 200 characters); null when the trace has no messages',
        },
      ),
    ),
    match: Type.Optional(
      Type.Object(
        {
          spanId: HexId(8),
          text: Type.String({ description: 'A short piece of the matching text' }),
          highlights: Type.Array(Type.Tuple([Type.Number(), Type.Number()]), {
            description: '[start, end) of each match in text',
          }),
        },
        Strict,
      ),
    ),
  },
  Strict,
);

export const SearchAnswer = Type.Object(
  { traces: Type.Array(TraceRow), next: Type.Optional(Type.String()) },
  Strict,
);

const UsageFields = {
  inputTokens: Type.Number(),
  outputTokens: Type.Number(),
  cacheReadTokens: Type.Number(),
  cacheCreationTokens: Type.Number(),
  reasoningTokens: Type.Number(),
};
const Usage = Type.Object(UsageFields, Strict);
/** A trace's totals (each LLM call counted once): usage, calls and errors. */
const TraceCounts = {
  ...UsageFields,
  llmCalls: Type.Number(),
  toolCalls: Type.Number(),
  errors: Type.Number(),
};

/** A GenAI span's view: what the prompt panel shows. Content is in the OTel GenAI message shape. */
export const GenAiView = Type.Object(
  {
    operation: Nullable(Type.String()),
    provider: Nullable(Type.String()),
    requestModel: Nullable(Type.String()),
    responseModel: Nullable(Type.String()),
    parameters: Json,
    inputMessages: Type.Optional(Type.Unknown()),
    outputMessages: Type.Optional(Type.Unknown()),
    systemInstructions: Type.Optional(Type.Unknown()),
    toolName: Type.Optional(Type.String()),
    toolCallArguments: Type.Optional(Type.Unknown()),
    toolCallResult: Type.Optional(Type.Unknown()),
    finishReasons: Type.Optional(Type.Array(Type.String())),
    usage: Usage,
    promptId: Nullable(Type.String()),
    promptVersion: Nullable(Type.String()),
    conversationId: Nullable(Type.String()),
  },
  Strict,
);

export const SpanView = Type.Object(
  {
    offsetMs: Type.Number(),
    costUsd: Nullable(Type.Number()),
    costUnknown: Type.Optional(Type.String({ description: 'Why costUsd is null for this model call' })),
    usageRollup: Type.Boolean({ description: 'Usage summed from the spans below: shown, not added' }),
    spanId: HexId(8),
    parentSpanId: Nullable(HexId(8)),
    name: Type.String(),
    kind: Type.String(),
    service: Type.String(),
    startTimeUnixNano: Ns,
    durationMs: Type.Number(),
    status: Type.Object({ code: Type.String(), message: Type.String() }, Strict),
    error: Type.Boolean(),
    adjustedCount: Type.Number(),
    attributes: Json,
    resource: Json,
    events: Type.Array(Type.Object({ name: Type.String(), timeUnixNano: Ns, attributes: Json }, Strict)),
    links: Type.Array(Type.Object({ traceId: HexId(16), spanId: HexId(8), attributes: Json }, Strict)),
    genAi: Type.Optional(GenAiView),
  },
  Strict,
);

export const Rating = Type.Object(
  {
    spanId: HexId(8),
    ratedSpanId: Type.String(),
    score: Type.Number(),
    comment: Type.Unknown(),
    source: Type.Unknown(),
  },
  Strict,
);

export const Trace = Type.Object(
  {
    traceId: HexId(16),
    rootService: Nullable(Type.String()),
    rootName: Nullable(Type.String()),
    startTimeUnixNano: Ns,
    durationMs: Type.Number(),
    spanCount: Type.Number(),
    totals: Type.Object({ ...TraceCounts, ...Cost }, Strict),
    ratings: Type.Array(Rating),
    calls: Type.Array(
      Type.Object(
        {
          spanId: HexId(8),
          type: Type.Union([Type.Literal('llm'), Type.Literal('tool')]),
          name: Type.String(),
          offsetMs: Type.Number(),
          durationMs: Type.Number(),
          error: Type.Boolean(),
        },
        Strict,
      ),
    ),
    criticalPath: Type.Array(HexId(8)),
    errors: Type.Array(
      Type.Object({ spanId: HexId(8), name: Type.String(), message: Type.String() }, Strict),
    ),
    partial: Type.Boolean(),
    partialReason: Nullable(Type.String()),
    spans: Type.Array(SpanView),
  },
  Strict,
);

export const RatingRequest = Type.Object(
  {
    traceId: HexId(16),
    spanId: HexId(8),
    score: Type.Number({ minimum: 0, maximum: 1 }),
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
    source: Type.Optional(Type.String({ maxLength: 100 })),
  },
  Strict,
);

export const RatingAnswer = Type.Object(
  {
    ratingSpanId: HexId(8),
    traceId: HexId(16),
    ratedSpanId: HexId(8),
    trace: Type.Union([Type.Literal('stored'), Type.Literal('rescued'), Type.Literal('not-stored')], {
      description:
        'What became of the rated trace: stored already; rescued (dropped by sampling, brought back by this rating); or not stored (dropped longer ago than the rescue window, or never sent: the rating is stored on its own)',
    }),
    note: Type.Optional(Type.String({ description: 'Why the trace is not stored' })),
  },
  Strict,
);

export const PromptUse = Type.Object(
  {
    promptId: Type.String(),
    versions: Type.Array(Type.String()),
    calls: Type.Number(),
    lastSeenUnixNano: Ns,
  },
  Strict,
);
export const PromptsAnswer = Type.Object({ prompts: Type.Array(PromptUse) }, Strict);

export const VersionStats = Type.Object(
  {
    version: Type.String(),
    calls: Type.Number({ description: 'Reweighted by adjusted counts (1/p)' }),
    errorRate: Nullable(Type.Number()),
    latencyP50Ms: Nullable(Type.Number()),
    latencyP95Ms: Nullable(Type.Number()),
    inputTokens: Type.Number(),
    outputTokens: Type.Number(),
    ...Cost,
    avgRating: Nullable(Type.Number()),
    ratings: Type.Number(),
  },
  Strict,
);

export const Overlay = Type.Object(
  {
    promptId: Type.String(),
    versions: Type.Array(VersionStats),
    series: Type.Array(Type.Object({ startTimeUnixNano: Ns, versions: Type.Array(VersionStats) }, Strict)),
  },
  Strict,
);

/** One group's figures in a dashboard bucket or over its range (api/dashboard.ts). */
export const DashboardFigures = Type.Object(
  {
    key: Type.String({
      description: 'The group: a model, service, promptId@version, end user or tenant; "(none)" or "(other)"',
    }),
    calls: Type.Number({ description: 'LLM calls, reweighted by adjusted counts (1/p)' }),
    errorRate: Nullable(Type.Number()),
    latencyP50Ms: Nullable(Type.Number({ description: 'Of the calls, within 1 %' })),
    latencyP95Ms: Nullable(Type.Number()),
    tokens: Tokens,
    ...Cost,
    rating: RatingSummary,
  },
  Strict,
);

export const Dashboard = Type.Object(
  {
    by: Type.Union(DIMENSIONS.map((k) => Type.Literal(k))),
    startTimeUnixNano: Ns,
    endTimeUnixNano: Ns,
    bucketMs: Type.Number(),
    estimated: Type.Boolean({
      description: 'Some spans were sampled: figures are reweighted estimates of all traffic',
    }),
    groups: Type.Array(DashboardFigures),
    series: Type.Array(Type.Object({ startTimeUnixNano: Ns, groups: Type.Array(DashboardFigures) }, Strict)),
    partial: Type.Optional(
      Type.Object(
        {
          traces: Type.Number({ description: 'Traces read' }),
          fromTimeUnixNano: Ns,
          reason: Type.String(),
        },
        { ...Strict, description: 'The figures cover only traces from fromTimeUnixNano on (Tempo)' },
      ),
    ),
  },
  Strict,
);

export const Info = Type.Object(
  {
    ingest: Nullable(Type.Object({ otlpHttp: Type.String(), otlpGrpc: Type.String() }, Strict)),
    auth: Type.Union([Type.Literal('none'), Type.Literal('tokens')]),
  },
  Strict,
);

/** What a session or user row shows, whatever it groups by (api/groups.ts). */
const GroupFigures = {
  firstTimeUnixNano: Ns,
  lastTimeUnixNano: Ns,
  durationMs: Type.Number(),
  tokens: Tokens,
  ...Cost,
  rating: RatingSummary,
};

export const SessionRow = Type.Object(
  { conversationId: Type.String(), turns: Type.Number(), ...GroupFigures, errorTurns: Type.Number() },
  Strict,
);
export const SessionsAnswer = Type.Object(
  { sessions: Type.Array(SessionRow), next: Type.Optional(Type.String()) },
  Strict,
);

export const UserRow = Type.Object(
  { userId: Type.String(), traces: Type.Number(), ...GroupFigures, errorTraces: Type.Number() },
  Strict,
);
export const UsersAnswer = Type.Object(
  { users: Type.Array(UserRow), next: Type.Optional(Type.String()) },
  Strict,
);

export const Turn = Type.Object(
  {
    traceId: HexId(16),
    rootName: Nullable(Type.String()),
    rootService: Nullable(Type.String()),
    startTimeUnixNano: Ns,
    durationMs: Type.Number(),
    totals: Type.Object(TraceCounts, Strict),
    ...Cost,
    error: Type.Boolean(),
    rating: RatingSummary,
    question: Type.Unknown({ description: 'The last user message given to the first LLM call, or null' }),
    answer: Type.Unknown({ description: 'What the last LLM call returned (output messages), or null' }),
  },
  Strict,
);
export const SessionAnswer = Type.Object(
  { conversationId: Type.String(), turns: Type.Array(Turn), next: Type.Optional(Type.String()) },
  Strict,
);

// The usage ledger's figures (GET /api/v1/usage): token types as the ledger spans name them.
const LedgerTokens = Type.Object(
  {
    input: Type.Number(),
    output: Type.Number(),
    cache_read: Type.Number(),
    cache_creation: Type.Number(),
    reasoning: Type.Number(),
  },
  Strict,
);

export const RequestUsage = Type.Object(
  {
    requestId: Type.String(),
    traces: Type.Array(HexId(16)),
    spans: Type.Number(),
    errors: Type.Number(),
    error: Type.Boolean(),
    tokens: LedgerTokens,
    tokensByModel: Type.Record(Type.String(), LedgerTokens),
    models: Type.Array(Type.String()),
    promptVersions: Type.Array(Type.String()),
    services: Type.Array(Type.String()),
    durationMs: Type.Number(),
    stored: Type.String({ description: '`kept`, `dropped` (only the ledger is stored) or `mixed`' }),
  },
  Strict,
);

export const UsageTotals = Type.Object(
  {
    tenant: Type.String(),
    rows: Type.Array(
      Type.Object(
        {
          day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
          service: Type.String(),
          model: Type.String({ description: "'' for the row of requests, spans and errors (not per model)" }),
          promptVersion: Type.String(),
          requests: Type.Number(),
          spans: Type.Number(),
          errors: Type.Number(),
          tokens: LedgerTokens,
        },
        Strict,
      ),
    ),
  },
  Strict,
);

export type TraceRowT = Static<typeof TraceRow>;
export type TraceT = Static<typeof Trace>;
export type SpanViewT = Static<typeof SpanView>;
export type GenAiViewT = Static<typeof GenAiView>;
export type RatingT = Static<typeof Rating>;
export type VersionStatsT = Static<typeof VersionStats>;
export type OverlayT = Static<typeof Overlay>;
export type DashboardT = Static<typeof Dashboard>;
export type DashboardFiguresT = Static<typeof DashboardFigures>;
export type PromptUseT = Static<typeof PromptUse>;
export type InfoT = Static<typeof Info>;
export type SessionRowT = Static<typeof SessionRow>;
export type TurnT = Static<typeof Turn>;
export type UserRowT = Static<typeof UserRow>;
