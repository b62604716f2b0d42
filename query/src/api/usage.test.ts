import { describe, expect, it } from 'vitest';
import type { LedgerRow, TraceBackend } from '../backend/backend.ts';
import { usageTotals } from './usage.ts';

const NOW = 1_800_000_000_000_000_000n;
const ledger = (trace: string, requestId: string | null, input: number): LedgerRow => ({
  name: 'koder.usage',
  trace_id: trace,
  start_ns: NOW,
  attributes: JSON.stringify({
    'koder.usage.ledger': true,
    ...(requestId ? { 'koder.request_id': requestId } : {}),
    'koder.usage.spans': 1,
    'koder.usage.tokens.input': input,
    'koder.usage.tokens_by_model': JSON.stringify({ 'gpt-4o': { input } }),
    'koder.usage.services': ['shop'],
  }),
});

describe('usage totals', () => {
  it('counts a request once however many ledger spans it has (late spans get their own), tokens all', async () => {
    const rows = [ledger('a', 'r1', 100), ledger('a', 'r1', 20), ledger('b', 'r2', 5), ledger('c', null, 1)];
    const backend = { ledgerSpans: () => rows } as unknown as TraceBackend;
    const { rows: out } = await usageTotals(backend, 't', NOW - 1n, NOW + 1n);
    const base = out.find((r) => r.model === '');
    expect(base?.requests).toBe(3); // r1, r2 and the trace without a request id
    expect(out.find((r) => r.model === 'gpt-4o')?.tokens.input).toBe(126);
  });
});
