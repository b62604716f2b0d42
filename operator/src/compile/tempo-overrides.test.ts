import { describe, expect, it } from 'vitest';
import { makeValidator } from '../api/crds.ts';
import {
  bytesPerSpan,
  TEMPO_RECEIVER_MAX_BYTES,
  tempoDuration,
  tempoTenantOverrides,
} from './tempo-overrides.ts';

const DEFAULT_LIMITS = {
  spansPerSecond: 5000,
  burst: 10000,
  maxAttributeValueBytes: 65536,
  maxRequestBytes: 8388608,
};

describe("Tempo's per-tenant overrides", () => {
  it('derives byte limits from the largest span the ingester accepts (LLM content included)', () => {
    const span = bytesPerSpan(DEFAULT_LIMITS);
    expect(span).toBe(4 * 65536 + 16 * 1024);
    expect(tempoTenantOverrides(DEFAULT_LIMITS, '720h')).toEqual({
      ingestion: {
        rate_limit_bytes: 5000 * span,
        burst_size_bytes: 10000 * span,
        max_traces_per_user: 300_000,
        max_attribute_bytes: 65536 + 1024,
      },
      global: { max_bytes_per_trace: 100 * 1024 * 1024 },
      compaction: { block_retention: '720h' },
    });
  });

  it('never lets a burst be smaller than one message Tempo receives, nor a span larger than a request', () => {
    const small = { spansPerSecond: 1, burst: 1, maxAttributeValueBytes: 64, maxRequestBytes: 1024 };
    expect(bytesPerSpan(small)).toBe(1024);
    const o = tempoTenantOverrides(small, '1h');
    expect(o.ingestion.burst_size_bytes).toBe(TEMPO_RECEIVER_MAX_BYTES);
    expect(o.ingestion.max_traces_per_user).toBe(10_000);
  });

  it.each([
    ['336h', true],
    ['30d', true],
    ['1w2d', true],
    ['1y', true],
    ['1h30m', true],
    ['90m', true],
    ['1d12h30m15s500ms', true],
    ['30m1h', false], // units out of order: Tempo refuses, and then the whole file
    ['1h1h', false],
    ['1.5h', false],
    ['h', false],
    ['', false],
    ['10', false],
    ['-1h', false],
    ['1H', false],
    ['1us', false], // a Go unit, not a Prometheus one
    ['336h ', false],
  ])('retention %j: the CRD accepts it exactly when Tempo parses it (%s)', (retention, ok) => {
    expect('ns' in tempoDuration(retention), 'Tempo').toBe(ok);
    const tt = {
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'TraceTenant',
      metadata: { name: 'a' },
      spec: { retention },
    };
    expect(makeValidator('TraceTenant')(tt).ok, 'CRD').toBe(ok);
  });

  it('reads durations as Tempo does, overflow included', () => {
    expect(tempoDuration('1d1h')).toEqual({ ns: 25n * 3600n * 1_000_000_000n });
    expect(tempoDuration('0')).toEqual({ ns: 0n });
    expect(tempoDuration('293y')).toEqual({ error: 'duration out of range' });
    expect(tempoDuration('30m1h')).toMatchObject({ error: expect.stringContaining('largest first') });
  });
});

describe('compile: a retention Tempo cannot read (a TraceTenant stored before the CRD checked it)', () => {
  it('keeps the tenant flowing, writes the default retention, and says why the tenant is not Ready', async () => {
    const { compile } = await import('./compile.ts');
    const out = compile({
      tenants: [
        {
          apiVersion: 'trace.koder.dev/v1alpha1',
          kind: 'TraceTenant',
          metadata: { name: 'old', namespace: 'team-a' },
          spec: { retention: '30m1h' },
        },
      ],
      policies: [],
      tokens: new Map([['team-a/old-token', 'secret']]),
    });
    expect(out.tenants.map((t) => t.id)).toEqual(['old']);
    expect(out.tempoOverrides.overrides.old?.compaction.block_retention).toBe('336h');
    expect(out.tenantOutcomes.get('team-a/old')).toMatchObject({
      ready: false,
      reason: 'InvalidRetention',
      message: expect.stringContaining('"30m1h" is not a duration Tempo reads'),
    });
  });
});
