// `@koder-trace/ingester/sink`: the one interface every export target implements (OTLP/gRPC to Tempo,
// or the embedded store).
export { discardSink, type ExportResult, type SpanSink } from '../export/sink.ts';
