// The OTLP TraceService/Export method as grpc-js sees it: requests and replies stay raw buffers, so
// our own decoder and encoder do all the protobuf work (once). Used by the peer channel and the test
// stand-ins for Tempo. The OTLP receiver and the exporter speak the same path on node:http2 and frame
// their messages themselves.
export const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Length of a gRPC message's prefix: a compressed flag, then the length as 4 bytes big-endian. */
export const GRPC_PREFIX_BYTES = 5;

/** Writes the prefix of a message of `length` bytes at the start of `into`; returns `into`. */
export function writeGrpcPrefix(into: Buffer, length: number, compressed = false): Buffer {
  into[0] = compressed ? 1 : 0;
  into.writeUInt32BE(length, 1);
  return into;
}

/** A message as a gRPC call carries it: the prefix, then the bytes. */
export function frameGrpcMessage(message: Uint8Array, compressed = false): Buffer {
  const framed = writeGrpcPrefix(
    Buffer.allocUnsafe(GRPC_PREFIX_BYTES + message.length),
    message.length,
    compressed,
  );
  framed.set(message, GRPC_PREFIX_BYTES);
  return framed;
}

const identity = (b: Buffer) => b;
export const rawBuffers = { serialize: identity, deserialize: identity };

export const TRACE_SERVICE = {
  Export: {
    path: EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
} as const;
