// Benchmark: OTLP/HTTP protobuf ingest throughput of our ingester against the OpenTelemetry Collector
// (the reference), in one run on one machine, reporting the ratio. Both receive the same pre-encoded
// requests from the same load generator.
//   --mode receive  both discard after their pipeline (ingester exporter `none`, collector `nop`)
//   --mode forward  both export over OTLP/gRPC to a third process (a collector with a nop exporter),
//                   as in production where the ingester forwards to Tempo's distributor
//   node bench/ingest-vs-collector.ts [--mode receive|forward] [--seconds 10] [--spans-per-request 500] [--concurrency 8]

import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { sdkProtobuf } from '../ingester/src/testing/sdk-spans.ts';
import { startIngesterProcess } from '../test/harness/ingester.ts';
import { startCollectorExporting } from '../test/harness/otelcol.ts';
import { plainSpans } from './spans.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'receive' },
    seconds: { type: 'string', default: '10' },
    'spans-per-request': { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '8' },
  },
});
const seconds = Number(values.seconds);
const perRequest = Number(values['spans-per-request']);
const concurrency = Number(values.concurrency);

async function load(
  url: string,
  body: Buffer,
): Promise<{ spansPerSecond: number; errors: number; accepted: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const u = new URL(url);
  let done = 0;
  let errors = 0;
  const deadline = Date.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: '/v1/traces',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) done++;
            else errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) await one();
    }),
  );
  agent.destroy();
  return {
    spansPerSecond: (done * perRequest) / ((Date.now() - started) / 1000),
    errors,
    accepted: done * perRequest,
  };
}

const body = sdkProtobuf(await plainSpans(perRequest));
console.log(
  `request: ${perRequest} spans, ${body.length} bytes; ${concurrency} concurrent; ${seconds}s each`,
);

/**
 * The reference collector: OTLP receiver → nop exporter, or → OTLP/gRPC exporter to `forwardTo` (with
 * the exporter's default queue, as a production collector would run).
 */
const referenceCollector = (forwardTo?: string) =>
  startCollectorExporting(
    forwardTo ? { otlp_grpc: { endpoint: forwardTo, tls: { insecure: true } } } : { nop: {} },
  );

const forward = values.mode === 'forward';
const sink = forward ? await referenceCollector() : undefined;
console.log(`mode: ${forward ? 'forward over OTLP/gRPC to a sink collector' : 'receive and discard'}`);

/** In forward mode: spans the sink received from a run, read once the sender has stopped (flushed). */
let sinkBefore = 0;
async function delivered(): Promise<string> {
  if (!sink) return '';
  const n = (await sink.metric('otelcol_receiver_accepted_spans')) - sinkBefore;
  sinkBefore += n;
  return `, ${n.toLocaleString('en')} delivered to the sink`;
}

// Each server runs as its own process, as in production; the load generator is this process.
const ingester = await startIngesterProcess({
  auth: 'none',
  exporter: sink ? { endpoint: sink.grpcEndpoint } : { kind: 'none' },
  defaultLimits: { spansPerSecond: 1e9, burst: 1e9 },
});
const ours = await load(ingester.httpUrl, body);
await ingester.stop();
const oursDelivered = await delivered();

const collector = await referenceCollector(sink?.grpcEndpoint);
const theirs = await load(collector.httpEndpoint, body);
await collector.stop();
const theirsDelivered = await delivered();
await sink?.stop();

const fmt = (n: number) => Math.round(n).toLocaleString('en');
console.log(
  `koder ingester : ${fmt(ours.spansPerSecond)} spans/s (${fmt(ours.accepted)} accepted, ${ours.errors} refused${oursDelivered})`,
);
console.log(
  `otelcol        : ${fmt(theirs.spansPerSecond)} spans/s (${fmt(theirs.accepted)} accepted, ${theirs.errors} refused${theirsDelivered})`,
);
console.log(`ratio          : ${(ours.spansPerSecond / theirs.spansPerSecond).toFixed(2)}x the collector`);
