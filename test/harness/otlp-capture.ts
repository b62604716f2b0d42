// An OTLP/HTTP JSON endpoint inside the test process that records every export it receives, with the
// request headers. The reference collector forwards to it, so tests can read exactly what reached
// "storage" after the collector's pipeline.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

type JsonAttribute = { key: string; value: Record<string, unknown> };

/** OTLP/JSON spans as the collector's otlphttp exporter sends them (only the parts tests read). */
export interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  traceState?: string;
  attributes?: JsonAttribute[];
}
export interface JsonResourceSpans {
  resource?: { attributes?: JsonAttribute[] };
  scopeSpans?: { spans?: JsonSpan[] }[];
}
export interface CapturedExport {
  headers: IncomingHttpHeaders;
  resourceSpans: JsonResourceSpans[];
}

export interface OtlpCapture {
  readonly url: string;
  readonly exports: CapturedExport[];
  spans(): JsonSpan[];
  /** Waits until at least `n` spans arrived, or fails saying how many did. */
  waitForSpans(n: number, timeoutMs?: number): Promise<JsonSpan[]>;
  close(): Promise<void>;
}

export function attribute(attrs: JsonAttribute[] | undefined, key: string): unknown {
  const value = attrs?.find((a) => a.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
}

export async function startOtlpCapture(): Promise<OtlpCapture> {
  const exports: CapturedExport[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans?: JsonResourceSpans[];
      };
      exports.push({ headers: req.headers, resourceSpans: body.resourceSpans ?? [] });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const spans = () =>
    exports.flatMap((e) =>
      e.resourceSpans.flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? [])),
    );
  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    spans,
    async waitForSpans(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (spans().length < n && Date.now() < deadline) await sleep(50);
      const got = spans();
      if (got.length < n) throw new Error(`received ${got.length} spans, expected at least ${n}`);
      return got;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
