// Mutual TLS on the peer channel: two ingester replicas sharing trace ids present one certificate (a
// private CA's, for the name in cluster.tls.serverName) to each other. Traces scattered over both are
// stored whole; a plain-gRPC caller, and a TLS caller whose certificate another CA signed, cannot
// reach the peer listener even with the peer secret.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChannelCredentials, credentials, Metadata } from '@grpc/grpc-js';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { makeTraces, request, rng, scatter } from '@koder-trace/ingester/testing';
import { createCertificateAuthority, issueCertificate } from '@koder-trace/operator/tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcCapture, startGrpcCapture } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { postOtlp } from '../harness/otlp-raw.ts';
import { callPeerListener } from '../harness/peer-call.ts';
import { publishedPorts } from '../harness/ports.ts';
import { expectWholeTraces } from '../harness/stored-traces.ts';

const TOKEN = 'token-shop';
const SECRET = 'a-long-peer-secret-for-tests';
const NAME = 'koder-trace-ingester-peers';

describe('mutual TLS between ingester replicas', () => {
  let dir: string;
  let storage: GrpcCapture;
  let ports: number[];
  const replicas: RunningIngester[] = [];
  let stranger: { cert: string; key: string; ca: string };
  let ca: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'koder-peer-tls-'));
    const file = async (name: string, text: string) => {
      await writeFile(join(dir, name), text);
      return join(dir, name);
    };
    const authority = await createCertificateAuthority('koder-peers-test-ca');
    ca = authority.cert;
    const peer = await issueCertificate(authority, { commonName: NAME, dnsNames: [NAME], usage: 'both' });
    const other = await createCertificateAuthority('another-ca');
    stranger = {
      ...(await issueCertificate(other, { commonName: NAME, dnsNames: [NAME], usage: 'both' })),
      ca,
    };
    const tls = {
      certFile: await file('peer.pem', peer.cert),
      keyFile: await file('peer-key.pem', peer.key),
      caFile: await file('ca.pem', authority.cert),
      serverName: NAME,
    };
    const secretFile = await file('peer-secret', `${SECRET}\n`);
    storage = await startGrpcCapture();
    ports = await publishedPorts(2);
    const peers = ports.map((port, i) => ({ id: `ingester-${i}`, endpoint: `127.0.0.1:${port}` }));
    for (let i = 0; i < 2; i++)
      replicas.push(
        await startIngesterProcess({
          tenants: [
            {
              id: 'shop',
              tokenSha256: [sha256Hex(TOKEN)],
              sampling: { defaultProbability: 0.3, trace: { quietMs: 2000, maxAgeMs: 30_000 } },
            },
          ],
          defaultLimits: { spansPerSecond: 1e6, burst: 1e6 },
          exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 20 },
          cluster: { selfId: `ingester-${i}`, peers, port: ports[i], secretFile, tls },
        }),
      );
  });
  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await storage?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('forwards over TLS: traces scattered over both replicas are stored whole', async () => {
    const traces = makeTraces(80, { seed: 5, errorRate: 0.15, maxChildren: 4 });
    const pick = rng(5);
    for (const b of scatter(traces, 5, 20)) {
      const r = replicas[Math.floor(pick() * 2)] as RunningIngester;
      const res = await postOtlp(r.httpUrl, request(b), 'proto', TOKEN);
      expect(res.status, res.text).toBe(200);
    }
    await expectWholeTraces(storage, traces);
    for (const r of replicas)
      expect(await r.metric('koder_ingester_forwarded_spans_total', { result: 'ok' })).toBeGreaterThan(0);
  });

  it('refuses a plain caller and a caller from another CA, secret or not', async () => {
    const call = (creds: ChannelCredentials) => {
      const md = new Metadata();
      md.set('koder-tenant', 'shop');
      md.set('koder-peer-secret', SECRET);
      return callPeerListener(`127.0.0.1:${ports[0]}`, md, creds, { 'grpc.ssl_target_name_override': NAME });
    };
    // 14 UNAVAILABLE: the handshake fails, so no call ever reaches the service.
    expect((await call(credentials.createInsecure()))?.code).toBe(14);
    const foreign = credentials.createSsl(
      Buffer.from(stranger.ca),
      Buffer.from(stranger.key),
      Buffer.from(stranger.cert),
    );
    expect((await call(foreign))?.code).toBe(14);
  });
});
