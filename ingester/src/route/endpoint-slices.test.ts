import { describe, expect, it } from 'vitest';
import { type EndpointSliceLike, peersFromSlices, samePeers } from './endpoint-slices.ts';

const slice = (
  endpoints: EndpointSliceLike['endpoints'],
  port = 4319,
  addressType = 'IPv4',
): EndpointSliceLike => ({
  addressType,
  ports: [
    { name: 'otlp-grpc', port: 4317 },
    { name: 'peer', port },
  ],
  endpoints,
});
const pod = (name: string, address: string, conditions: { ready?: boolean; terminating?: boolean } = {}) => ({
  addresses: [address],
  conditions,
  targetRef: { name },
});

describe('peersFromSlices', () => {
  it('lists ready endpoints by pod name on the peer port, sorted, each once', () => {
    const peers = peersFromSlices(
      [
        slice([pod('ingester-b', '10.0.0.2'), pod('ingester-a', '10.0.0.1')]),
        slice([pod('ingester-a', '10.0.0.1'), pod('ingester-c', '10.0.0.3', { ready: false })]),
      ],
      'peer',
    );
    expect(peers).toEqual([
      { id: 'ingester-a', endpoint: '10.0.0.1:4319' },
      { id: 'ingester-b', endpoint: '10.0.0.2:4319' },
    ]);
  });

  it('skips terminating endpoints, reads an unset ready as ready, brackets IPv6', () => {
    const peers = peersFromSlices(
      [
        slice(
          [pod('a', '10.0.0.1', { terminating: true }), { addresses: ['fd00::5'], hostname: 'b' }],
          4319,
          'IPv6',
        ),
      ],
      'peer',
    );
    expect(peers).toEqual([{ id: 'b', endpoint: '[fd00::5]:4319' }]);
  });

  it('needs the named port, and ignores FQDN slices', () => {
    expect(peersFromSlices([slice([pod('a', '10.0.0.1')])], 'other')).toEqual([]);
    expect(peersFromSlices([slice([pod('a', 'ingester.example')], 4319, 'FQDN')], 'peer')).toEqual([]);
    expect(peersFromSlices([{}], 'peer')).toEqual([]);
  });

  it('compares lists by content', () => {
    const a = [{ id: 'a', endpoint: '10.0.0.1:4319' }];
    expect(samePeers(a, [{ ...a[0] } as (typeof a)[0]])).toBe(true);
    expect(samePeers(a, [{ id: 'a', endpoint: '10.0.0.9:4319' }])).toBe(false);
    expect(samePeers(a, [])).toBe(false);
  });
});
