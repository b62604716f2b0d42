// Benchmark: what whole-trace sampling costs (docs/sampling.md quotes these figures).
// 1. Spans per CPU-second of the ingester processes (all of them, summed) for the same traces sent
//    as OTLP/HTTP requests of scattered spans: one replica in head mode, one in trace mode, and three
//    in trace mode forwarding to each other (requests spread over the three). Exporter `none`, so
//    only the ingesters' own work is measured; each run ends when every trace is decided. Beside them
//    the reference: the OpenTelemetry Collector's tail sampling processor (contrib, GOMAXPROCS=1,
//    `nop` exporter) with the same policy — errors kept, 10 % of the rest — on the same requests.
//    Single servers run on core 1, this process (the load) on core 0, when the machine allows.
// 2. Memory per 10,000 buffered traces in this process: heap and buffers before and after buffering
//    them (after a GC), next to what the trace buffer holds against the byte budget for them.
//   node --expose-gc bench/trace-sampling.ts [--traces 20000] [--concurrency 8]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { parseConfig } from '../ingester/src/config/load.ts';
import { createExportQueue } from '../ingester/src/export/queue.ts';
import { discardSink } from '../ingester/src/export/sink.ts';
import { createByteBudget } from '../ingester/src/memory/byte-budget.ts';
import { createMetrics } from '../ingester/src/metrics.ts';
import { createTailMetrics } from '../ingester/src/tail/metrics.ts';
import { createTailSampler } from '../ingester/src/tail/tail-sampler.ts';
import { buildRegistry, sha256Hex } from '../ingester/src/tenants/registry.ts';
import { request } from '../ingester/src/testing/otlp-builder.ts';
import { batchOf, makeTraces, scatter } from '../ingester/src/testing/traces.ts';
import { freePorts } from '../test/harness/ports.ts';
import { canPin, cpuSeconds, pin, type Server, startCollector, startIngester } from './servers.ts';

const { values } = parseArgs({
  options: {
    traces: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '8' },
  },
});
const TRACES = Number(values.traces);
const CONCURRENCY = Number(values.concurrency);
const TOKEN = 'bench-token';

const traces = makeTraces(TRACES, { seed: 1, maxChildren: 8, errorRate: 0.02 });
const spans = traces.reduce((n, t) => n + t.spans.length, 0);
const bodies = scatter(traces, 1, 256).map((b) => request(b));

// Quiet period 1 s: the reference's decision_wait (it decides once a second).
const tenant = (mode: 'head' | 'trace') => ({
  id: 'bench',
  tokenSha256: [sha256Hex(TOKEN)],
  limits: { spansPerSecond: 1e9, burst: 1e9, maxRequestBytes: 64 * 1024 * 1024 },
  sampling: { defaultProbability: 0.1, mode, trace: { quietMs: 1000, maxAgeMs: 5000 } },
});

async function send(servers: Server[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const i = next++;
        const s = servers[i % servers.length] as Server;
        const res = await fetch(`${s.httpUrl}/v1/traces`, {
          method: 'POST',
          body: bodies[i] as Buffer,
          headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${TOKEN}` },
        });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      }
    }),
  );
}

/** Sends every request, waits until `decided` says every trace is, and prints spans per CPU-second. */
async function run(name: string, servers: Server[], decided = ingestersDecided): Promise<number> {
  const before = servers.map((s) => cpuSeconds(s.pid));
  const t0 = performance.now();
  await send(servers);
  while (!(await decided(servers))) await new Promise((r) => setTimeout(r, 100));
  const wall = (performance.now() - t0) / 1000;
  const cpu = servers.reduce((n, s, i) => n + cpuSeconds(s.pid) - (before[i] as number), 0);
  const rate = spans / cpu;
  // Spans that came after their trace's decision (trace mode): they take the late path.
  const late = (
    await Promise.all(servers.map((s) => s.metric('koder_ingester_trace_late_spans_total')))
  ).reduce((n, x) => n + x, 0);
  console.log(
    `${name.padEnd(52)} ${Math.round(rate)
      .toLocaleString('en')
      .padStart(
        9,
      )} spans/CPU-s  (${cpu.toFixed(2)} CPU-s, ${wall.toFixed(1)} s wall incl. the quiet period${late ? `, ${late} late spans` : ''})`,
  );
  return rate;
}

/** Every trace decided: none left in any ingester's buffer (trace mode; at once in head mode). */
async function ingestersDecided(servers: Server[]): Promise<boolean> {
  const left = await Promise.all(servers.map((s) => s.metric('koder_ingester_trace_buffer_traces')));
  return left.every((n) => !n);
}

/** The collector decided every trace: its sampled and not-sampled trace counts add up to all of them. */
async function collectorDecided([s]: Server[]): Promise<boolean> {
  return ((await s?.metric('otelcol_processor_tail_sampling_global_count_traces_sampled')) ?? 0) >= TRACES;
}

console.log(
  `${TRACES.toLocaleString('en')} traces, ${spans.toLocaleString('en')} spans, ${bodies.length} requests\n`,
);
const base = { exporter: { kind: 'none' }, memory: { maxBytes: 1024 * 1024 * 1024 } };
const pinned = canPin();
if (pinned) pin(process.pid, 0);
const serverCpu = pinned ? 1 : undefined;
{
  const s = await startIngester({ ...base, tenants: [tenant('head')] }, serverCpu);
  await run('1 replica, mode head', [s]);
  await s.stop();
}
let traceRate: number;
{
  const s = await startIngester({ ...base, tenants: [tenant('trace')] }, serverCpu);
  traceRate = await run('1 replica, mode trace', [s]);
  await s.stop();
}
{
  // The same policy in the collector: keep error traces, 10 % of the rest (by trace id), decided
  // once a trace has been quiet for decision_wait (its shortest useful value: it decides once a second).
  const s = await startCollector(
    { nop: {} },
    serverCpu,
    {},
    {
      binary: 'otelcol-tail',
      processors: {
        tail_sampling: {
          decision_wait: '1s',
          num_traces: 2 * TRACES,
          policies: [
            { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
            { name: 'rest', type: 'probabilistic', probabilistic: { sampling_percentage: 10 } },
          ],
        },
      },
    },
  );
  const reference = await run('otelcol tail_sampling (reference)', [s], collectorDecided);
  console.log(`${'mode trace / reference'.padEnd(52)} ${(traceRate / reference).toFixed(2).padStart(9)}×`);
  await s.stop();
}
{
  const dir = await mkdtemp(join(tmpdir(), 'koder-bench-peers-'));
  const secretFile = join(dir, 'secret');
  await writeFile(secretFile, 'bench-peer-secret-0123456789');
  const ports = await freePorts(3);
  const peers = ports.map((p, i) => ({ id: `i${i}`, endpoint: `127.0.0.1:${p}` }));
  const servers: Server[] = [];
  for (let i = 0; i < 3; i++)
    servers.push(
      await startIngester({
        ...base,
        tenants: [tenant('trace')],
        cluster: { selfId: `i${i}`, peers, port: ports[i], secretFile },
      }),
    );
  await run('3 replicas, mode trace, forwarding (sum)', servers);
  for (const s of servers) await s.stop();
  await rm(dir, { recursive: true, force: true });
}

// 2. Memory per 10,000 buffered traces.
{
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) console.log('\n(run with node --expose-gc for the memory figure)');
  else {
    const parsed = parseConfig(
      `tenants: [{ id: bench, tokenSha256: [], sampling: { defaultProbability: 0.1, trace: { quietMs: 600000, maxAgeMs: 1200000 } } }]`,
    );
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const registry = buildRegistry(parsed.config, undefined, Date.now());
    const metrics = createMetrics();
    const budget = createByteBudget(4 * 1024 * 1024 * 1024);
    const log = pino({ level: 'silent' });
    const queue = createExportQueue({
      sink: discardSink,
      config: parsed.config.exporter,
      metrics,
      log,
      budget,
    });
    const tail = createTailSampler({
      queue,
      budget,
      metrics,
      tailMetrics: createTailMetrics(metrics.registry),
      policyOf: (t) => registry.tenants.get(t)?.policy,
      settings: () => parsed.config.tail,
      log,
    });
    const ten = makeTraces(10_000, { seed: 2, maxChildren: 8 });
    const batches = scatter(ten, 2, 256).map((b) => batchOf(b));
    const tenSpans = ten.reduce((n, t) => n + t.spans.length, 0);
    const encoded = ten.reduce((n, t) => n + t.spans.reduce((m, s) => m + s.length, 0), 0);
    const used = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = used();
    for (const b of batches) tail.add('bench', b, undefined);
    const after = used();
    console.log(
      `\n10,000 buffered traces (${tenSpans.toLocaleString('en')} spans, ${(encoded / 1048576).toFixed(1)} MiB encoded): ` +
        `${((after - before) / 1048576).toFixed(1)} MiB of heap and buffers; ` +
        `${(budget.used / 1048576).toFixed(1)} MiB held against the byte budget`,
    );
    await tail.close(true, Date.now() + 1000);
  }
}
process.exit(0);
