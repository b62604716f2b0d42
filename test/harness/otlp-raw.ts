// OTLP requests as bytes, for tests that send what no SDK would: one OTLP/HTTP POST or one OTLP/gRPC
// Export call with a body given as is, answering with the status the server gave.
import {
  type ChannelCredentials,
  Client,
  type ClientOptions,
  credentials,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import { EXPORT_PATH } from '@koder-trace/ingester/otlp';

export type OtlpFormat = 'proto' | 'json';

const CONTENT_TYPE = { proto: 'application/x-protobuf', json: 'application/json' } as const;

/** POST /v1/traces; the answer's status and body text. */
export async function postOtlp(
  baseUrl: string,
  body: Buffer,
  format: OtlpFormat,
  token?: string,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${baseUrl}/v1/traces`, {
    method: 'POST',
    body,
    headers: { 'content-type': CONTENT_TYPE[format], ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return { status: res.status, text: await res.text() };
}

/** A channel to one OTLP/gRPC endpoint (plain unless credentials are given), for many Export calls. */
export function grpcChannel(
  endpoint: string,
  options: ClientOptions = {},
  channelCredentials: ChannelCredentials = credentials.createInsecure(),
) {
  const client = new Client(endpoint, channelCredentials, {
    'grpc.max_send_message_length': -1,
    ...options,
  });
  return {
    /** null when the call succeeded, else the gRPC error. */
    export(body: Buffer, token?: string): Promise<ServiceError | null> {
      const md = new Metadata();
      if (token) md.set('authorization', `Bearer ${token}`);
      return new Promise((resolve) =>
        client.makeUnaryRequest(
          EXPORT_PATH,
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          md,
          { deadline: Date.now() + 30_000 },
          (err) => resolve(err),
        ),
      );
    },
    close: () => client.close(),
  };
}

/** One Export call on its own channel; null when it succeeded, else the gRPC error. */
export async function grpcExport(
  endpoint: string,
  body: Buffer,
  token?: string,
  options: ClientOptions = {},
): Promise<ServiceError | null> {
  const channel = grpcChannel(endpoint, options);
  try {
    return await channel.export(body, token);
  } finally {
    channel.close();
  }
}
