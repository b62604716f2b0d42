// Plain (non-GenAI) spans like an instrumented HTTP service emits, made by the OTel SDK.
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

export async function plainSpans(n: number): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'bench-api',
      'service.version': '1.4.2',
      'host.name': 'bench-0',
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  for (let i = 0; i < n; i++) {
    tracer
      .startSpan(`GET /api/orders/{id}`, {
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/api/orders/{id}',
          'http.response.status_code': 200,
          'url.path': `/api/orders/${i}`,
          'server.address': 'orders.internal',
        },
      })
      .end();
  }
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}
