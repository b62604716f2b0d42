// Generated from crds/*.yaml by scripts/generate-crd-types.ts — do not edit; edit the CRDs.
import type { V1ObjectMeta } from '@kubernetes/client-node';

/**
 * The tenant's settings.
 */
export interface TraceTenantSpec {
/**
 * The tenant id, sent to Tempo as X-Scope-OrgID. Defaults to the TraceTenant's name. Cannot be changed once set.
 */
tenantId?: string
/**
 * Where the tenant's bearer token lives.
 */
credentials?: {
/**
 * Secret (in this namespace) whose key "token" holds the bearer token. Defaults to <name>-token, generated when absent. Rotate by replacing the Secret's token.
 */
secretName?: string
}
/**
 * Who may read this tenant's traces through the query API, apart from whoever sends them: read tokens that cannot send, and whether the ingest token may read at all.
 */
read?: {
/**
 * Secrets (in this namespace) whose key "token" each holds a read token: it reads this tenant's traces and can send nothing. Made by you (the operator never creates them); a change is picked up within the operator's cache time.
 * 
 * @maxItems 16
 */
tokenSecrets?: []|[string]|[string, string]|[string, string, string]|[string, string, string, string]|[string, string, string, string, string]|[string, string, string, string, string, string]|[string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string, string, string, string, string, string]
/**
 * Whether the ingest token also reads. false makes it write-only: pods that send spans cannot read any back, and readers need a read token.
 */
ingestTokenReads?: boolean
/**
 * People who read without a token, as named by the identity header an authenticating proxy (OIDC) in front of the query service sets, e.g. their email. Used only when the query service is told which header and which proxy addresses to trust (query.identity in the chart).
 * 
 * @maxItems 256
 */
users?: string[]
/**
 * Groups whose members read without a token, as listed by the proxy's groups header (query.identity.groupsHeader).
 * 
 * @maxItems 64
 */
groups?: string[]
}
/**
 * Where each rating of this tenant's spans (UI, API or rating span) is also delivered: a JSON webhook signed with HMAC-SHA256 (header X-Koder-Signature), retried with back-off from a durable outbox. See docs/prompt-registry.md.
 */
promptRegistry?: {
/**
 * The endpoint each rating is POSTed to.
 */
url: string
/**
 * The key of a Secret (in this namespace) holding the signing secret; made by you. Until it exists the tenant's ratings are stored but not delivered (reason RegistrySecretNotFound).
 */
signingSecretRef: {
/**
 * The Secret's name.
 */
name: string
/**
 * The key in the Secret whose value is the signing secret.
 */
key: string
}
}
/**
 * A SamplingPolicy in this namespace to sample with.
 */
samplingPolicyRef?: {
/**
 * The SamplingPolicy's name.
 */
name: string
}
/**
 * Inline sampling when no policy is referenced.
 */
sampling?: {
/**
 * Probability of keeping a span (error spans are always kept).
 */
defaultProbability?: number
}
/**
 * What one tenant may send.
 */
limits?: {
/**
 * Sustained spans per second across all ingester replicas' share; over it clients get 429.
 */
spansPerSecond?: number
/**
 * Spans allowed in a burst above the rate.
 */
burst?: number
/**
 * Longer attribute values are cut, with a visible marker.
 */
maxAttributeValueBytes?: number
/**
 * Largest OTLP request (after gzip inflation); larger ones get 413.
 */
maxRequestBytes?: number
}
/**
 * How long Tempo keeps the tenant's traces, as a Tempo duration such as 336h, 30d or 1w2d (units y, w, d, h, m, s, ms, largest first, each at most once).
 */
retention?: string
/**
 * GenAI content kept: full (messages and tool payloads), metadata (roles, tool names, finish reasons, no text), or none (message and tool payload attributes removed). metadata and none also remove retrieved and reranked documents' text, embedded text and vectors, prompt templates and request bodies.
 */
contentCapture?: ("full" | "metadata" | "none")
/**
 * Which pods get this tenant's OTLP settings injected by the webhook.
 */
injection?: {
/**
 * Label selector for namespaces whose pods are wired to this tenant.
 */
namespaceSelector?: {
[k: string]: unknown | undefined
}
/**
 * Label selector for pods (in those namespaces) wired to this tenant.
 */
podSelector?: {
[k: string]: unknown | undefined
}
}
}

/**
 * What the operator observed.
 */
export interface TraceTenantStatus {
/**
 * The generation the status describes.
 */
observedGeneration?: number
/**
 * The tenant id in force.
 */
tenantId?: string
/**
 * The Secret holding the token.
 */
secretName?: string
/**
 * Summary of the sampling in force, e.g. "policy/llm-first (3 rules)" or "25%".
 */
sampling?: string
/**
 * Ready is True when the tenant's settings are in the ingester config.
 */
conditions?: {
/**
 * Condition type (Ready).
 */
type: string
/**
 * Condition status.
 */
status: ("True" | "False" | "Unknown")
/**
 * Generation observed.
 */
observedGeneration?: number
/**
 * When the status last changed.
 */
lastTransitionTime: string
/**
 * Machine-readable reason
 */
reason: string
/**
 * What is wrong and how to fix it.
 */
message: string
}[]
}

export interface TraceTenant {
  apiVersion?: 'trace.koder.dev/v1alpha1';
  kind?: 'TraceTenant';
  metadata?: V1ObjectMeta;
  spec?: TraceTenantSpec;
  status?: TraceTenantStatus;
}

/**
 * What to keep.
 */
export interface SamplingPolicySpec {
/**
 * Probability of keeping a span that no rule matches, from 0 (none) to 1 (all).
 */
defaultProbability?: number
/**
 * Keep every error span (status ERROR or an error.type attribute), whatever the rules say; in mode trace, keep the whole trace of an error span.
 */
keepErrors?: boolean
/**
 * trace (when absent): spans wait until their trace is complete and the whole trace is kept or dropped; a trace with an error (keepErrors), a rating or a span a rule of probability 1 matches is kept whole, others at the probability of the first rule (in order) any of their spans matches. head: each span is decided on its own as it arrives (by trace id, so consistently). See docs/sampling.md.
 */
mode?: ("trace" | "head")
/**
 * When a trace is decided in mode trace (each field has a default).
 */
trace?: {
/**
 * After the root span arrived, decide once no span of the trace came for this long (default 2000).
 */
quietMs?: number
/**
 * Decide a trace this long after its first span arrived, root or not (default 30000).
 */
maxAgeMs?: number
/**
 * Decide a trace at once when it holds this many spans (default 10000).
 */
maxSpans?: number
/**
 * Decide a trace at once when its buffered spans take this many bytes (default 16 MiB).
 */
maxBytes?: number
/**
 * Decide at once, without the quiet period, when the root span is an agent run (gen_ai.operation.name invoke_agent) (default true).
 */
decideOnAgentEnd?: boolean
}
/**
 * Rules tried in order; the first whose conditions all hold gives the probability.
 * 
 * @maxItems 64
 */
rules?: {
/**
 * A name for the rule, unique in the policy; kept spans record it in koder.sampling.rule.
 */
name: string
/**
 * Probability of keeping a span this rule matches.
 */
probability: number
/**
 * Conditions that must all hold.
 * 
 * @minItems 1
 * @maxItems 16
 */
match: [{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]|[{
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}, {
/**
 * What to look at: name (span name), kind (internal, server, client, producer, consumer), status (unset, ok, error), service (service.name), resource.<attribute> or attribute.<span attribute>, e.g. attribute.gen_ai.request.model.
 */
field: string
/**
 * How to compare: equals, notEquals, in (any of values), prefix, regex (RE2-style), exists, notExists, or numeric gt, gte, lt, lte.
 */
op: ("equals" | "notEquals" | "in" | "prefix" | "regex" | "exists" | "notExists" | "gt" | "gte" | "lt" | "lte")
/**
 * The value to compare with (numbers as text for gt, gte, lt, lte).
 */
value?: string
/**
 * The values for op in.
 * 
 * @maxItems 64
 */
values?: string[]
}]
}[]
}

/**
 * What the operator observed.
 */
export interface SamplingPolicyStatus {
/**
 * The generation the status describes.
 */
observedGeneration?: number
/**
 * Number of rules in force.
 */
ruleCount?: number
/**
 * Comma-separated TraceTenants that reference this policy.
 */
usedBy?: string
/**
 * Ready is True when the policy compiled and is in force.
 */
conditions?: {
/**
 * Condition type (Ready).
 */
type: string
/**
 * Condition status.
 */
status: ("True" | "False" | "Unknown")
/**
 * Generation observed.
 */
observedGeneration?: number
/**
 * When the status last changed.
 */
lastTransitionTime: string
/**
 * Machine-readable reason
 */
reason: string
/**
 * What is wrong and how to fix it.
 */
message: string
}[]
}

export interface SamplingPolicy {
  apiVersion?: 'trace.koder.dev/v1alpha1';
  kind?: 'SamplingPolicy';
  metadata?: V1ObjectMeta;
  spec?: SamplingPolicySpec;
  status?: SamplingPolicyStatus;
}
