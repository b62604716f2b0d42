// TLS where users need it: the OTLP receivers with TLS and client certificates (mTLS), and the
// exporter to a receiver behind a private CA that wants a client certificate and a server name — the
// reference collector stands in for Tempo's distributor with the same TLS settings.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { request, span } from '@koder-trace/ingester/testing';
import { createCertificateAuthority, issueCertificate } from '@koder-trace/operator/tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { type Collector, startCollector } from '../harness/otelcol.ts';
import { grpcChannel } from '../harness/otlp-raw.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';

const otelcol = requireBinaries('otelcol');

interface Pem {
  ca: string;
  cert: string;
  key: string;
}

/** One OTLP/gRPC export over TLS; the status code (0 when it succeeded). */
async function grpcTls(endpoint: string, pem: Partial<Pem> & { ca: string }, body: Buffer): Promise<number> {
  const key = pem.key ? Buffer.from(pem.key) : null;
  const cert = pem.cert ? Buffer.from(pem.cert) : null;
  const channel = grpcChannel(endpoint, {}, credentials.createSsl(Buffer.from(pem.ca), key, cert));
  try {
    return (await channel.export(body, 'tls-token'))?.code ?? status.OK;
  } finally {
    channel.close();
  }
}

/** One OTLP/HTTP export over HTTPS; the HTTP status, or the TLS error's code. */
function httpsPost(url: string, pem: Partial<Pem> & { ca: string }, body: Buffer): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      `${url}/v1/traces`,
      {
        method: 'POST',
        ca: pem.ca,
        ...(pem.cert ? { cert: pem.cert, key: pem.key } : {}),
        headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer tls-token' },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end(body);
  });
}

describe.skipIf(!otelcol.ok)(suiteTitle('TLS on the receivers and the exporter', otelcol), () => {
  let dir: string;
  let collector: Collector;
  let ing: RunningIngester;
  let client: Pem;
  let ca: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'koder-tls-'));
    const authority = await createCertificateAuthority('koder-tls-test-ca');
    ca = authority.cert;
    const server = await issueCertificate(authority, {
      commonName: 'ingester',
      dnsNames: ['localhost', 'tempo.internal'],
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    const clientPair = await issueCertificate(authority, { commonName: 'an-app', usage: 'client' });
    client = { ca, ...clientPair };
    const file = async (name: string, text: string) => {
      await writeFile(join(dir, name), text);
      return join(dir, name);
    };
    const files = {
      ca: await file('ca.pem', ca),
      cert: await file('server.pem', server.cert),
      key: await file('server-key.pem', server.key),
      clientCert: await file('client.pem', clientPair.cert),
      clientKey: await file('client-key.pem', clientPair.key),
    };
    // Tempo's distributor stand-in: TLS with a private CA, client certificates required.
    collector = await startCollector({
      receiver: { grpc: { tls: { cert_file: files.cert, key_file: files.key, client_ca_file: files.ca } } },
    });
    ing = await startIngesterProcess({
      tenants: [{ id: 'tls', tokenSha256: [sha256Hex('tls-token')] }],
      listen: { tls: { certFile: files.cert, keyFile: files.key, clientCaFile: files.ca } },
      exporter: {
        endpoint: collector.grpcEndpoint,
        insecure: false,
        maxBatchDelayMs: 10,
        tls: {
          caFile: files.ca,
          certFile: files.clientCert,
          keyFile: files.clientKey,
          serverName: 'tempo.internal',
        },
      },
    });
  });
  afterAll(async () => {
    await ing?.stop();
    await collector?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes OTLP over TLS from a client with a certificate, and refuses one without', async () => {
    const body = request([span(), span()]);
    const https = ing.httpUrl.replace('http://', 'https://');
    expect(await grpcTls(ing.grpcEndpoint, client, body)).toBe(status.OK);
    expect(await httpsPost(https, client, body)).toBe(200);
    expect(await grpcTls(ing.grpcEndpoint, { ca }, body)).toBe(status.UNAVAILABLE);
    expect(await httpsPost(https, { ca }, body)).not.toBe(200);
  });

  it('exports over mTLS to a receiver behind a private CA, checking the server name', async () => {
    await collector.received.waitForSpans(4);
    expect(await ing.metric('koder_ingester_spans_export_failed_total')).toBe(0);
  });
});
