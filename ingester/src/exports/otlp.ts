// `@koder-trace/ingester/otlp`: the OTLP span model and codec that the query service and the tests share.
export { OtlpDecodeError } from '../otlp/decode-error.ts';
export { decodeTraceRequestJson, decodeTraceRequestValue } from '../otlp/decode-json.ts';
export { decodeEvent, decodeLink } from '../otlp/decode-parts.ts';
export { decodeTraceRequest } from '../otlp/decode-proto.ts';
export { EXPORT_PATH, frameGrpcMessage, rawBuffers, TRACE_SERVICE } from '../otlp/grpc-service.ts';
export type {
  AnyValue,
  Attribute,
  KvList,
  Resource,
  ResourceSpans,
  Scope,
  ScopeSpans,
  Span,
  TraceBatch,
} from '../otlp/model.ts';
export { getAttribute, SpanKind, StatusCode, setAttribute, spanCount } from '../otlp/model.ts';
export {
  decodeExportResponse,
  decodeRetryInfo,
  encodeExportResponse,
  encodeRpcStatus,
  type PartialSuccess,
} from '../otlp/responses.ts';
export { WireReader } from '../otlp/wire.ts';
