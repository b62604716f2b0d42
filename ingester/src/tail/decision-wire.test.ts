import { describe, expect, it } from 'vitest';
import { decodeDecisions, encodeDecisions, type HandedDecision } from './decision-wire.ts';

describe('decisions on the peer channel', () => {
  it('round-trips kept and dropped decisions, thresholds included', () => {
    const items: HandedDecision[] = [
      {
        tenant: 'team-a/bot',
        traceId: 'ab'.repeat(16),
        decision: { keep: true, threshold: 0xfffffffffffffn, rule: 'keep-errors', reason: 'error' },
      },
      { tenant: 'shop', traceId: '01'.repeat(16), decision: { keep: false, threshold: 0n, rule: 'default' } },
    ];
    expect(decodeDecisions(encodeDecisions(items))).toEqual(items);
  });

  it('refuses what is not a list of decisions, saying which', () => {
    expect(() => decodeDecisions(Buffer.from('{}'))).toThrow(/expected an array/);
    expect(() => decodeDecisions(Buffer.from('not json'))).toThrow();
    const bad = [{ t: 'x', id: 'zz', k: true, th: '0', r: 'r', why: 'error' }];
    expect(() => decodeDecisions(Buffer.from(JSON.stringify(bad)))).toThrow(/decision 0: not a decision/);
    const noReason = [{ t: 'x', id: 'ab'.repeat(16), k: true, th: '0', r: 'r' }];
    expect(() => decodeDecisions(Buffer.from(JSON.stringify(noReason)))).toThrow(/decision 0/);
  });
});
