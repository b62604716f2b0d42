// The OTLP TraceService/Export method as grpc-js sees it: requests and replies stay raw buffers, so
// our own decoder and encoder do all the protobuf work (once). Used by the exporter, the peer channel
// and the test stand-ins for Tempo; the OTLP receiver serves the same path on node:http2.
export const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

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
