// A tenant's block in Tempo's runtime overrides file, derived so that Tempo never refuses or silently
// drops what the ingester accepted from that tenant. Rules read in Tempo's source (v2.8.2; unchanged
// in 3.0 for these fields):
// - modules/overrides/config.go: a tenant block replaces the defaults whole (omitted fields are zero),
//   so every limit below is always written; `ingestion.rate_strategy` is read from the defaults only
//   (runtime_config_overrides.go), so it lives in the chart's Tempo config, not here.
// - modules/distributor: the rate limiter refuses a push larger than `burst_size_bytes` outright, and
//   `max_attribute_bytes` cuts string values (processAttributes) — both in bytes, and LLM spans are big.
// - modules/ingester/instance.go, limiter.go: spans past `max_traces_per_user` live traces or
//   `max_bytes_per_trace` are discarded while the client is answered with success.
// - compaction.block_retention is a Prometheus duration (prometheus/common model.ParseDuration); one
//   that does not parse makes Tempo refuse the whole file, every tenant's limits with it.

/** Tempo's OTLP/gRPC receiver limit the chart sets (tempo.otlpMaxRecvMsgSizeMiB, default 16 MiB). */
export const TEMPO_RECEIVER_MAX_BYTES = 16 * 1024 * 1024;
/** The GenAI content attributes a span may carry at full length: input and output messages, system
 * instructions, tool definitions — each cut by the ingester at maxAttributeValueBytes. */
const CONTENT_ATTRIBUTES = 4;
/** Everything else in a span: ids, times, names, the other attributes, events, links. */
const SPAN_OVERHEAD_BYTES = 16 * 1024;
/** How long a trace stays live in Tempo's ingester: its own length plus the idle period (10 s). */
const LIVE_SECONDS = 60;
const MIN_LIVE_TRACES = 10_000;
/** Largest trace Tempo keeps whole; beyond it reads are PARTIAL and later spans are dropped. */
export const MAX_BYTES_PER_TRACE = 100 * 1024 * 1024;
/** The cut marker the ingester appends to an attribute it shortens. */
const CUT_MARKER_BYTES = 1024;

export interface TempoTenantOverrides {
  ingestion: {
    rate_limit_bytes: number;
    burst_size_bytes: number;
    max_traces_per_user: number;
    max_attribute_bytes: number;
  };
  global: { max_bytes_per_trace: number };
  compaction: { block_retention: string };
}

export interface TenantLimits {
  spansPerSecond: number;
  burst: number;
  maxAttributeValueBytes: number;
  maxRequestBytes: number;
}

/** Largest span the ingester lets through for these limits, in bytes (of the OTLP encoding). */
export const bytesPerSpan = (l: TenantLimits) =>
  Math.min(l.maxRequestBytes, CONTENT_ATTRIBUTES * l.maxAttributeValueBytes + SPAN_OVERHEAD_BYTES);

export function tempoTenantOverrides(l: TenantLimits, retention: string): TempoTenantOverrides {
  const span = bytesPerSpan(l);
  const rate = Math.ceil(l.spansPerSecond * span);
  return {
    ingestion: {
      rate_limit_bytes: rate,
      // Never below the largest message the receiver takes: a push over the burst is refused whole.
      burst_size_bytes: Math.max(Math.ceil(l.burst * span), rate, TEMPO_RECEIVER_MAX_BYTES),
      max_traces_per_user: Math.max(MIN_LIVE_TRACES, Math.ceil(l.spansPerSecond * LIVE_SECONDS)),
      max_attribute_bytes: l.maxAttributeValueBytes + CUT_MARKER_BYTES,
    },
    global: { max_bytes_per_trace: MAX_BYTES_PER_TRACE },
    compaction: { block_retention: retention },
  };
}

// prometheus/common model.ParseDuration: units y w d h m s ms, largest first, each at most once, an
// unsigned integer before each, the total within int64 nanoseconds; "0" alone is allowed.
const UNITS: [string, bigint][] = [
  ['y', 365n * 24n * 3600n * 1_000_000_000n],
  ['w', 7n * 24n * 3600n * 1_000_000_000n],
  ['d', 24n * 3600n * 1_000_000_000n],
  ['h', 3600n * 1_000_000_000n],
  ['m', 60n * 1_000_000_000n],
  ['s', 1_000_000_000n],
  ['ms', 1_000_000n],
];
const INT64_MAX = 2n ** 63n - 1n;

/** Nanoseconds of a duration as Tempo reads block_retention, or an error saying why not. */
export function tempoDuration(text: string): { ns: bigint } | { error: string } {
  if (text === '0') return { ns: 0n };
  if (text === '') return { error: 'empty duration string' };
  let rest = text;
  let last = -1;
  let ns = 0n;
  while (rest) {
    const m = /^(\d+)([^\d]*)/.exec(rest);
    if (!m?.[2]) return { error: `not a valid duration string: ${JSON.stringify(text)}` };
    const pos = UNITS.findIndex(([u]) => u === m[2]);
    if (pos < 0) return { error: `unknown unit ${JSON.stringify(m[2])} in duration ${JSON.stringify(text)}` };
    if (pos <= last)
      return {
        error: `not a valid duration string: ${JSON.stringify(text)} (units go largest first, once each)`,
      };
    last = pos;
    const v = BigInt(m[1] as string);
    const mult = (UNITS[pos] as [string, bigint])[1];
    if (v > 2n ** 63n / mult) return { error: 'duration out of range' };
    ns += v * mult;
    if (ns > INT64_MAX) return { error: 'duration out of range' };
    rest = rest.slice(m[0].length);
  }
  return { ns };
}
