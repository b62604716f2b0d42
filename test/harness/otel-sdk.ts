// Sends spans with the stock OpenTelemetry JS SDK exporters (OTLP/gRPC, OTLP/HTTP protobuf, OTLP/HTTP
// JSON), exactly as an application would, and reports the exporter's own result.
import { Metadata } from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

export type Protocol = 'grpc' | 'http/protobuf' | 'http/json';

export function sdkExporter(
  protocol: Protocol,
  endpoint: { grpc: string; http: string },
  token?: string,
): SpanExporter {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  if (protocol === 'grpc') {
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
    return new GrpcExporter({ url: `http://${endpoint.grpc}`, metadata });
  }
  const Exporter = protocol === 'http/protobuf' ? ProtoExporter : JsonExporter;
  return new Exporter({ url: `${endpoint.http}/v1/traces`, headers });
}

/** Exports the spans once; resolves with the exporter's verdict (and error message, if any). */
export async function exportSpans(
  exporter: SpanExporter,
  spans: ReadableSpan[],
): Promise<{ ok: boolean; error?: string }> {
  const result = await new Promise<{ code: ExportResultCode; error?: Error }>((resolve) =>
    exporter.export(spans, resolve),
  );
  return result.code === ExportResultCode.SUCCESS
    ? { ok: true }
    : { ok: false, error: result.error?.message ?? 'failed' };
}
