// Metrics of routing spans to the replica that owns their trace.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createRouteMetrics(registry: Registry) {
  return {
    peers: new Gauge({
      name: 'koder_ingester_peers',
      help: 'Replicas sharing trace ids with this one, itself included (from cluster.peers, or the EndpointSlices discovery watches); self is 1 when this replica is among them',
      labelNames: ['self'],
      registers: [registry],
    }),
    forwardedSpans: new Counter({
      name: 'koder_ingester_forwarded_spans_total',
      help: 'Spans sent to the replica owning their trace, by peer and result (ok, failed: the client was told to retry)',
      labelNames: ['peer', 'result'],
      registers: [registry],
    }),
    forwardRequests: new Histogram({
      name: 'koder_ingester_forward_request_seconds',
      help: 'Time of one forwarded request to a peer, until its answer',
      labelNames: ['peer'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    }),
    receivedFromPeers: new Counter({
      name: 'koder_ingester_peer_received_spans_total',
      help: 'Spans received from peers for traces this replica owns',
      labelNames: ['tenant'],
      registers: [registry],
    }),
    decisionsHanded: new Counter({
      name: 'koder_ingester_decisions_handed_total',
      help: 'Trace decisions sent to the replica that owns the trace now (ownership moved), by result (ok, failed)',
      labelNames: ['result'],
      registers: [registry],
    }),
    decisionsAdopted: new Counter({
      name: 'koder_ingester_decisions_adopted_total',
      help: 'Trace decisions taken from a replica that owned the trace before: its late spans follow them here',
      registers: [registry],
    }),
    peerRefused: new Counter({
      name: 'koder_ingester_peer_refused_total',
      help: 'Calls on the peer listener refused, by reason (unauthenticated: wrong or no secret; unknown_tenant)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}

export type RouteMetrics = ReturnType<typeof createRouteMetrics>;
