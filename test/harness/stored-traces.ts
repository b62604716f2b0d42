// What a storage stand-in (a gRPC capture) received, read as traces: for tests of trace-complete
// sampling, where what matters is which traces arrived and whether each arrived whole.
import { decodeTraceRequest, getAttribute, type Span } from '@koder-trace/ingester/otlp';
import { hex, type TestTrace } from '@koder-trace/ingester/testing';
import { expect } from 'vitest';
import type { GrpcCapture } from './grpc-capture.ts';
import { until } from './wait.ts';

/** Whether a span is a `koder.usage` ledger span the ingester wrote. */
export const isLedgerSpan = (s: Span) =>
  s.name === 'koder.usage' && getAttribute(s.attributes, 'koder.usage.ledger') === true;

/** The `koder.usage` ledger spans storage received. */
export function ledgerSpans(storage: GrpcCapture) {
  return storage.requests.flatMap((r) =>
    decodeTraceRequest(r.bytes).resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) => ss.spans.filter(isLedgerSpan)),
    ),
  );
}

/** Span ids per trace id in storage (ledger spans left out), and how many times each arrived. */
export function stored(storage: GrpcCapture) {
  const traces = new Map<string, Map<string, number>>();
  for (const r of storage.requests)
    for (const rs of decodeTraceRequest(r.bytes).resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) {
          if (isLedgerSpan(s)) continue; // the usage ledger: see ledgerSpans()
          const t = traces.get(hex(s.traceId)) ?? new Map<string, number>();
          t.set(hex(s.spanId), (t.get(hex(s.spanId)) ?? 0) + 1);
          traces.set(hex(s.traceId), t);
        }
  return traces;
}

/** Waits for the traces that must be kept, then until nothing more arrives for a second. */
export const settled = async (storage: GrpcCapture, mustHave: string[]) => {
  await until(
    'the traces that must be kept in storage',
    () => {
      const s = stored(storage);
      return mustHave.every((id) => s.has(id)) ? true : undefined;
    },
    30_000,
  );
  // Then until nothing more arrives for a while (every due trace decided and exported).
  let last = -1;
  while (storage.requests.length !== last) {
    last = storage.requests.length;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return stored(storage);
};

/**
 * Waits until storage settles, then checks the traces sent: every error trace stored, and every stored
 * trace whole (each of its spans, at least once). Returns what was stored and how many were kept.
 */
export async function expectWholeTraces(storage: GrpcCapture, traces: readonly TestTrace[]) {
  const got = await settled(
    storage,
    traces.filter((t) => t.error).map((t) => hex(t.traceId)),
  );
  let kept = 0;
  for (const t of traces) {
    const spans = got.get(hex(t.traceId));
    if (t.error) expect(spans, `error trace ${hex(t.traceId)}`).toBeDefined();
    if (!spans) continue;
    kept++;
    expect(spans.size, `trace ${hex(t.traceId)}`).toBe(t.spans.length);
  }
  return { got, kept };
}
