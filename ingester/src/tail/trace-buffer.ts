// Spans waiting for their trace's decision, grouped by tenant and trace id. Each span is kept as its
// own encoded bytes (copied, so a request body is not held alive by one slow trace) under a copy of its
// resource and scope, and folded at once into the trace's facts: deciding needs no second look at the
// spans. Bytes are estimated per span and per trace (the figure held against the memory budget).
// The map's order is the order traces began in, so "the oldest traces" are its first entries.
import { encodeSpan } from '../otlp/encode-proto.ts';
import type { AnyValue, Attribute, Resource, Scope, Span, TraceBatch } from '../otlp/model.ts';
import type { CompiledPolicy } from '../sample/policy.ts';
import { addSpanFacts, emptyFacts, type TraceFacts } from './decide-trace.ts';
import { addSpanUsage, emptyLedger, type TraceLedger } from './ledger.ts';

export interface SpanGroup {
  resource: Resource;
  resourceSchemaUrl: string;
  scope: Scope;
  scopeSchemaUrl: string;
  /** Encoded Span messages. */
  spans: Buffer[];
  /** Bytes this group adds to its trace's `bytes`. */
  bytes: number;
}

export interface BufferedTrace {
  readonly key: string;
  readonly tenant: string;
  readonly traceId: Uint8Array;
  readonly facts: TraceFacts;
  /** Usage totals for the trace's `koder.usage` ledger spans. */
  readonly ledger: TraceLedger;
  readonly groups: SpanGroup[];
  bytes: number;
  readonly firstAt: number;
  lastAt: number;
  /** Write-ahead-log segments holding these spans; the trace holds one reference on each. */
  readonly segments: number[];
}

/**
 * Overheads of the JS objects around the bytes, calibrated on bench/trace-sampling.ts (heap and
 * buffers per 10,000 buffered traces of small spans; docs/sampling.md): a Buffer per span, an object
 * and array per group, the trace's entry, facts, usage ledger tally and key.
 */
const TRACE_OVERHEAD = 2000;
const SPAN_OVERHEAD = 200;
const GROUP_OVERHEAD = 200;

export const traceKey = (tenant: string, traceId: Uint8Array): string =>
  `${tenant}/${Buffer.from(traceId.buffer, traceId.byteOffset, traceId.byteLength).toString('hex')}`;

function valueBytes(v: AnyValue): number {
  if (typeof v === 'string') return 16 + v.length;
  if (v instanceof Uint8Array) return 16 + v.length;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + valueBytes(x), 16);
  if (v && typeof v === 'object') return attributesBytes(v.kvlist);
  return 16;
}

function attributesBytes(attrs: readonly Attribute[]): number {
  let n = 16;
  for (const a of attrs) n += 32 + a.key.length + valueBytes(a.value);
  return n;
}

/** What one batch adds to the buffer: per trace, the spans and the bytes they take. */
export interface Added {
  trace: BufferedTrace;
  /** True when this batch started the trace. */
  created: boolean;
}

export class TraceBuffer {
  readonly traces = new Map<string, BufferedTrace>();
  bytes = 0;
  spans = 0;

  /**
   * Adds a batch's spans (facts folded with `policyOf(tenant)`); `segment` is the write-ahead-log
   * segment holding them, referenced once per trace that did not hold it yet. Returns the traces added to.
   */
  add(
    tenant: string,
    batch: TraceBatch,
    policy: CompiledPolicy,
    now: number,
    segment: number | undefined,
    skip?: (key: string) => boolean,
  ): { touched: BufferedTrace[]; newSegmentRefs: number } {
    const touched = new Set<BufferedTrace>();
    let newSegmentRefs = 0;
    for (const rs of batch.resourceSpans) {
      // One copy of the resource per batch, shared by the traces it holds.
      let resource: Resource | undefined;
      let resourceBytes = 0;
      for (const ss of rs.scopeSpans) {
        let scope: Scope | undefined;
        const groupOf = new Map<BufferedTrace, SpanGroup>();
        for (const span of ss.spans) {
          const key = traceKey(tenant, span.traceId);
          if (skip?.(key)) continue;
          resource ??= copyResource(rs.resource);
          resourceBytes ||= attributesBytes(resource.attributes);
          scope ??= copyScope(ss.scope);
          let trace = this.traces.get(key);
          if (!trace) {
            trace = {
              key,
              tenant,
              traceId: Uint8Array.from(span.traceId),
              facts: emptyFacts(),
              ledger: emptyLedger(),
              groups: [],
              bytes: TRACE_OVERHEAD,
              firstAt: now,
              lastAt: now,
              segments: [],
            };
            this.traces.set(key, trace);
            this.bytes += TRACE_OVERHEAD;
          }
          let group = groupOf.get(trace);
          if (!group) {
            group = {
              resource,
              resourceSchemaUrl: rs.schemaUrl,
              scope,
              scopeSchemaUrl: ss.schemaUrl,
              spans: [],
              bytes: GROUP_OVERHEAD + resourceBytes,
            };
            groupOf.set(trace, group);
            trace.groups.push(group);
            this.grow(trace, group.bytes);
          }
          const bytes = Buffer.from(encodeSpan(span));
          group.spans.push(bytes);
          group.bytes += SPAN_OVERHEAD + bytes.length;
          this.grow(trace, SPAN_OVERHEAD + bytes.length);
          this.spans++;
          addSpanFacts(trace.facts, span as Span, rs.resource.attributes, policy);
          addSpanUsage(trace.ledger, span, resource);
          trace.lastAt = now;
          if (segment !== undefined && !trace.segments.includes(segment)) {
            trace.segments.push(segment);
            newSegmentRefs++;
          }
          touched.add(trace);
        }
      }
    }
    return { touched: [...touched], newSegmentRefs };
  }

  private grow(trace: BufferedTrace, n: number): void {
    trace.bytes += n;
    this.bytes += n;
  }

  /**
   * Drops the first `n` groups of a trace (sent to another replica); returns the bytes they took. The
   * trace's facts still count them: what remains is handed on too, or decided with the facts of all.
   */
  dropGroups(trace: BufferedTrace, n: number): number {
    const gone = trace.groups.splice(0, n);
    let bytes = 0;
    let spans = 0;
    for (const g of gone) {
      bytes += g.bytes;
      spans += g.spans.length;
    }
    trace.bytes -= bytes;
    this.bytes -= bytes;
    this.spans -= spans;
    (trace.facts as { spans: number }).spans -= spans;
    return bytes;
  }

  /** Takes a trace out (to be decided). */
  remove(trace: BufferedTrace): void {
    if (this.traces.get(trace.key) !== trace) return;
    this.traces.delete(trace.key);
    this.bytes -= trace.bytes;
    this.spans -= trace.facts.spans;
  }
}

function copyResource(r: Resource): Resource {
  return {
    attributes: structuredClone(r.attributes),
    droppedAttributesCount: r.droppedAttributesCount,
    unknown: r.unknown.map((u) => Uint8Array.from(u)),
  };
}

function copyScope(s: Scope): Scope {
  return { raw: s.raw ? Uint8Array.from(s.raw) : null, name: s.name, version: s.version };
}
