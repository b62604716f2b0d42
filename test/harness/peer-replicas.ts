// Ingester replicas that share trace ids through a static peer list, exporting to one gRPC capture:
// `config(i, n)` is replica i's config when the peer list holds the first n of `total` replicas
// (a replica joins or leaves by writing another n).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GrpcCapture, startGrpcCapture } from './grpc-capture.ts';
import { publishedPorts } from './ports.ts';

export interface PeerReplicas {
  storage: GrpcCapture;
  config(i: number, n: number): Record<string, unknown>;
  close(): Promise<void>;
}

export async function peerReplicas(tenant: Record<string, unknown>, total: number): Promise<PeerReplicas> {
  const dir = await mkdtemp(join(tmpdir(), 'koder-peers-'));
  const secretFile = join(dir, 'peer-secret');
  await writeFile(secretFile, 'a-long-peer-secret-for-tests\n');
  const storage = await startGrpcCapture();
  const ports = await publishedPorts(total);
  const peers = ports.map((port, i) => ({ id: `r${i}`, endpoint: `127.0.0.1:${port}` }));
  return {
    storage,
    config: (i, n) => ({
      tenants: [tenant],
      defaultLimits: { spansPerSecond: 1e6, burst: 1e6 },
      exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 20 },
      cluster: { selfId: `r${i}`, peers: peers.slice(0, n), port: ports[i], secretFile },
    }),
    async close() {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
