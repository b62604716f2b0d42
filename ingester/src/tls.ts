// TLS for the OTLP receivers (and mTLS: client certificates from a given CA), for the exporter (a
// private CA, a client certificate, the name to expect) and the peer channel, from PEM files named in
// the config.
// Files are read once at start-up; a change takes a restart (a rolling one in a cluster).
import { readFileSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import { ServerCredentials } from '@grpc/grpc-js';
import type { Static } from 'typebox';
import type { ClientTls, ClusterConfig, ServerTls } from './config/schema.ts';
import type { GrpcClientTls } from './export/grpc-client.ts';

type ServerTlsConfig = Static<typeof ServerTls>;
type ClientTlsConfig = Static<typeof ClientTls>;

const read = (file: string | undefined) => (file ? readFileSync(file) : undefined);

/** node:https server options: the certificate, and client certificates required when a CA is given. */
export function httpsOptions(tls: ServerTlsConfig): SecureContextOptions & {
  requestCert: boolean;
  rejectUnauthorized: boolean;
} {
  const ca = read(tls.clientCaFile);
  return {
    cert: read(tls.certFile),
    key: read(tls.keyFile),
    ...(ca ? { ca } : {}),
    requestCert: ca !== undefined,
    rejectUnauthorized: ca !== undefined,
  };
}

export function grpcServerCredentials(tls: ServerTlsConfig | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  const ca = read(tls.clientCaFile);
  return ServerCredentials.createSsl(
    ca ?? null,
    [{ cert_chain: read(tls.certFile) as Buffer, private_key: read(tls.keyFile) as Buffer }],
    ca !== undefined,
  );
}

/** TLS for our gRPC client (grpc-client.ts: the exporter, the peer channel); undefined for plain gRPC. */
export function clientTls(insecure: boolean, tls: ClientTlsConfig | undefined): GrpcClientTls | undefined {
  if (insecure) return undefined;
  // An absent file leaves node:tls its default (the system CAs; no client certificate).
  return {
    ca: read(tls?.caFile),
    cert: read(tls?.certFile),
    key: read(tls?.keyFile),
    servername: tls?.serverName || undefined,
  };
}

type PeerTlsConfig = NonNullable<ClusterConfig['tls']>;

/**
 * The peer channel's two ends: mutual TLS with one certificate the replicas share (each side checks
 * the other's against caFile and the name serverName), or plain gRPC without `tls`.
 */
export function peerCredentials(tls: PeerTlsConfig | undefined): {
  server: ServerCredentials;
  client: GrpcClientTls | undefined;
} {
  if (!tls) return { server: ServerCredentials.createInsecure(), client: undefined };
  return {
    server: grpcServerCredentials({ certFile: tls.certFile, keyFile: tls.keyFile, clientCaFile: tls.caFile }),
    client: clientTls(false, tls),
  };
}
