// Benchmark: OTLP/HTTP protobuf ingest throughput of our ingester against the OpenTelemetry Collector
// (the reference), in one run on one machine, reporting the ratio. Both receive the same pre-encoded
// requests from the same load generator and discard after their pipeline (ingester exporter `none`,
// collector `nop` exporter), so the figure compares receive + decode + pipeline work.
//   node bench/ingest-vs-collector.ts [--seconds 10] [--spans-per-request 500] [--concurrency 8]

import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { sdkProtobuf } from '../ingester/src/testing/sdk-spans.ts';
import { startIngesterProcess } from '../test/harness/ingester.ts';
import { startCollectorWithNop } from './collector.ts';
import { plainSpans } from './spans.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    'spans-per-request': { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '8' },
  },
});
const seconds = Number(values.seconds);
const perRequest = Number(values['spans-per-request']);
const concurrency = Number(values.concurrency);

async function load(url: string, body: Buffer): Promise<{ spansPerSecond: number; errors: number }> {
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
  return { spansPerSecond: (done * perRequest) / ((Date.now() - started) / 1000), errors };
}

const body = sdkProtobuf(await plainSpans(perRequest));
console.log(
  `request: ${perRequest} spans, ${body.length} bytes; ${concurrency} concurrent; ${seconds}s each`,
);

// Each server runs as its own process, as in production; the load generator is this process.
const ingester = await startIngesterProcess({
  exporter: { kind: 'none' },
  defaultLimits: { spansPerSecond: 1e9, burst: 1e9 },
});
const ours = await load(ingester.httpUrl, body);
await ingester.stop();

const collector = await startCollectorWithNop();
const theirs = await load(collector.httpUrl, body);
await collector.stop();

const fmt = (n: number) => Math.round(n).toLocaleString('en');
console.log(`koder ingester : ${fmt(ours.spansPerSecond)} spans/s (${ours.errors} errors)`);
console.log(`otelcol        : ${fmt(theirs.spansPerSecond)} spans/s (${theirs.errors} errors)`);
console.log(`ratio          : ${(ours.spansPerSecond / theirs.spansPerSecond).toFixed(2)}x the collector`);
