// One call on an ingester's internal peer listener, as another replica (or an intruder) would make
// it: an empty OTLP Export with the given metadata and channel credentials. For tests of who the
// listener lets in.
import {
  type ChannelCredentials,
  type ChannelOptions,
  Client,
  credentials,
  type Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import { EXPORT_PATH, rawBuffers } from '@koder-trace/ingester/otlp';
import { request } from '@koder-trace/ingester/testing';

/** The error the call ends with (null: the listener took it). */
export function callPeerListener(
  endpoint: string,
  md: Metadata,
  creds: ChannelCredentials = credentials.createInsecure(),
  options: ChannelOptions = {},
): Promise<ServiceError | null> {
  const client = new Client(endpoint, creds, options);
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      EXPORT_PATH,
      rawBuffers.serialize,
      rawBuffers.deserialize,
      request([]),
      md,
      { deadline: Date.now() + 5000 },
      (err) => {
        client.close();
        resolve(err);
      },
    ),
  );
}
