// Benchmark: OTLP/HTTP protobuf (or OTLP/gRPC) ingest of our ingester against the OpenTelemetry
// Collector (the reference), side by side in one run on one machine. Both get the same pre-encoded
// requests (256 spans each, from the OTel SDK) from the same load generator, for two kinds of spans:
//   plain  spans of an instrumented HTTP service (~250 B each)
//   llm    GenAI chat spans (~3.5 KB each: 2 KB input messages, 1 KB output, model, usage)
// and in two modes:
//   receive  both discard after their pipeline (ingester exporter `none`, collector `nop`)
//   forward  both export over OTLP/gRPC to a sink (a collector with a nop exporter), as in production
//            where the ingester forwards to Tempo's distributor; the sink's count shows every
//            acknowledged span was delivered
// Each server runs pinned to its own CPU (`taskset`; the collector with GOMAXPROCS=1); the load
// generator (this process, 8 concurrent senders) and the sink share the other CPU. Throughput is counted
// as acknowledged spans per CPU-second of the server (utime + stime from /proc/<pid>/stat over the
// measured window), so a load generator that cannot saturate the server does not flatter either side.
// Also reported: the server's CPU use, RSS (idle before load, peak, at the end of the load),
// acknowledgement latency p50/p99, and refusals (any answer but 200).
//   node bench/ingest-vs-collector.ts [--mode receive|forward|all] [--spans plain|llm|all]
//     [--seconds 5] [--warmup 1] [--spans-per-request 256] [--concurrency 8]
//     [--rounds 1]   (each case run this many times, the servers taking turns, a fresh start each;
//     figures summed over the rounds: on a shared host whose speed drifts, both sides see the drift)
//     [--server-cpu 0] [--load-cpu 1] [--wal fsync|batch|none] [--json results.json]
//     [--protocol http|grpc]   (OTLP/HTTP protobuf, the default, or OTLP/gRPC: one HTTP/2 connection
//     per sender, as an SDK's exporter has)
//     [--rate spans-per-second]   (paced: each sender sends on a fixed schedule, not as fast as answered;
//     latency counts from the scheduled send, so a late answer delays no measurement)
//   --wal adds a run of the ingester with its write-ahead log in that durability mode (none: no such run)
//     [--cpu-prof dir]   (the ingester writes a V8 CPU profile per case into dir, for Chrome DevTools)
//     [--ingester-main path/to/ingester/src/main.ts]   (another checkout's ingester: before/after)
//     [--only ingester|otelcol]   (run one side only)
//     [--node-options=FLAGS]   (the ingester's NODE_OPTIONS; by default the chart's ingester.nodeOptions,
//     empty for V8's defaults)
//     [--memory-mib N]   (the ingester's memory.maxBytes in MiB; by default its own default)
//     [--memory-limit-mib N]   (each ingester in a memory cgroup of N MiB, as a pod's limit: the budget,
//     unless --memory-mib, is fitted to it; reports the cgroup's peak and OOM kills; needs root)

import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';
import { EXPORT_PATH, rawBuffers } from '@koder-trace/ingester/otlp';
import { sdkProtobuf } from '@koder-trace/ingester/testing';
import { type CommandWrap, createMemoryCgroup, type MemoryCgroup } from '../test/harness/memory-cgroup.ts';
import {
  canPin,
  cpuSeconds,
  INGESTER_NODE_OPTIONS,
  memory,
  pin,
  type Server,
  startCollector,
  startIngester,
} from './servers.ts';
import { llmSpans, plainSpans } from './spans.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'all' },
    spans: { type: 'string', default: 'all' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    'spans-per-request': { type: 'string', default: '256' },
    concurrency: { type: 'string', default: '8' },
    'server-cpu': { type: 'string', default: '0' },
    'load-cpu': { type: 'string', default: '1' },
    wal: { type: 'string', default: 'fsync' },
    json: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'ingester-main': { type: 'string' },
    only: { type: 'string', default: 'all' },
    rate: { type: 'string' },
    protocol: { type: 'string', default: 'http' },
    'node-options': { type: 'string' },
    'memory-mib': { type: 'string' },
    'memory-limit-mib': { type: 'string' },
    rounds: { type: 'string', default: '1' },
  },
});
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const perRequest = Number(values['spans-per-request']);
const roundCount = Number(values.rounds);
if (!Number.isInteger(roundCount) || roundCount < 1)
  throw new Error(`--rounds ${values.rounds}: a whole number, 1 or more`);
const concurrency = Number(values.concurrency);
/** With --rate: the time between one sender's requests. */
const intervalMs = values.rate ? (concurrency * perRequest * 1000) / Number(values.rate) : 0;
const pinned = canPin();
const serverCpu = pinned ? Number(values['server-cpu']) : undefined;
const loadCpu = Number(values['load-cpu']);
const modes = values.mode === 'all' ? ['receive', 'forward'] : [values.mode as string];
const kinds = values.spans === 'all' ? ['plain', 'llm'] : [values.spans as string];
const wal = values.wal as 'none' | 'fsync' | 'batch';
if (values.protocol !== 'http' && values.protocol !== 'grpc')
  throw new Error(`--protocol ${values.protocol}: http or grpc`);
const protocol = values.protocol;

interface Load {
  /** Requests answered 200 in the measured window, and their latencies (ms). */
  ok: number;
  /** Requests answered 200 in all, warm-up included: what the sink must have received. */
  okTotal: number;
  latencies: number[];
  /** Answers other than 200 (and connection errors) in the measured window. */
  refused: number;
  wallSeconds: number;
  cpuSeconds: number;
  rssEnd: number;
}

/**
 * Sends `body` from `concurrency` senders for warmup + seconds; measures the last `seconds` only: the
 * answers, the server's CPU time and its RSS when the load stops.
 */
async function load(server: Server, body: Buffer): Promise<Load> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const u = new URL(server.httpUrl);
  const clients: Client[] = [];
  let measuring = false;
  const out: Load = {
    ok: 0,
    okTotal: 0,
    latencies: [],
    refused: 0,
    wallSeconds: 0,
    cpuSeconds: 0,
    rssEnd: 0,
  };
  /** One request; resolves with whether it was answered 200 / OK. */
  const sendHttp = () =>
    new Promise<boolean>((resolve) => {
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
          res.on('end', () => resolve(res.statusCode === 200));
        },
      );
      req.on('error', () => resolve(false));
      req.end(body);
    });
  const sendGrpc = (client: Client) => () =>
    new Promise<boolean>((resolve) =>
      client.makeUnaryRequest(
        EXPORT_PATH,
        rawBuffers.serialize,
        rawBuffers.deserialize,
        body,
        (err: ServiceError | null) => resolve(!err),
      ),
    );
  const senderOf = () => {
    if (protocol === 'http') return sendHttp;
    const client = new Client(server.grpcEndpoint, credentials.createInsecure(), {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      // A channel per sender (grpc-js shares one connection between equal channels otherwise).
      'grpc.use_local_subchannel_pool': 1,
    });
    clients.push(client);
    return sendGrpc(client);
  };
  const one = async (send: () => Promise<boolean>, scheduled: number) => {
    const t0 = Math.min(performance.now(), scheduled);
    const ok = await send();
    if (ok) out.okTotal++;
    if (!measuring) return;
    if (!ok) out.refused++;
    else {
      out.ok++;
      out.latencies.push(performance.now() - t0);
    }
  };
  let stop = false;
  const senders = Array.from({ length: concurrency }, async (_, i) => {
    const send = senderOf();
    let next = performance.now() + (i * intervalMs) / concurrency;
    while (!stop) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await one(send, intervalMs ? next : Number.POSITIVE_INFINITY);
      next += intervalMs;
    }
  });
  try {
    await new Promise((r) => setTimeout(r, warmup * 1000));
    measuring = true;
    const cpu0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    // These read /proc/<pid>: they throw if the server died under the load.
    out.cpuSeconds = cpuSeconds(server.pid) - cpu0;
    out.wallSeconds = (performance.now() - t0) / 1000;
    out.rssEnd = memory(server.pid).rss;
  } finally {
    measuring = false;
    stop = true;
    await Promise.all(senders);
    agent.destroy();
    for (const c of clients) c.close();
  }
  return out;
}

const percentile = (xs: number[], p: number) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};

interface Result {
  mode: string;
  spans: string;
  server: string;
  spansPerCpuSecond: number;
  spansPerSecond: number;
  cpuUse: number;
  rssIdleMB: number;
  rssPeakMB: number;
  rssEndMB: number;
  ackP50Ms: number;
  ackP99Ms: number;
  refused: number;
  /** Spans acknowledged in the whole run (warm-up included), and how many of them the sink counted. */
  acknowledgedTotal: number;
  delivered?: number;
  /** With --memory-limit-mib: the cgroup's limit, its peak use and the OOM kills in it. */
  limitMB?: number;
  cgroupPeakMB?: number;
  oomKills?: number;
}

if (pinned) pin(process.pid, loadCpu); // children start here too; servers are moved to their own CPU
const bodies = {
  plain: sdkProtobuf(await plainSpans(perRequest)),
  llm: sdkProtobuf(await llmSpans(perRequest)),
};
console.log(
  `${perRequest} spans per request (plain ${bodies.plain.length.toLocaleString('en')} B, llm ${bodies.llm.length.toLocaleString('en')} B), ` +
    `OTLP/${protocol === 'grpc' ? 'gRPC' : 'HTTP'}, ${concurrency} concurrent senders${values.rate ? ` paced at ${Number(values.rate).toLocaleString('en')} spans/s` : ''}, ${warmup}s warm-up + ${seconds}s measured per case${roundCount > 1 ? ` and round (${roundCount} rounds, servers taking turns)` : ''}; ` +
    (pinned
      ? `servers on CPU ${serverCpu}, load generator and sink on CPU ${loadCpu}`
      : 'NOT pinned (taskset or a second CPU missing): figures are not per core') +
    `; ingester NODE_OPTIONS '${values['node-options'] ?? INGESTER_NODE_OPTIONS}'`,
);

const MB = 1024 * 1024;
const results: Result[] = [];
const memoryLimit = values['memory-limit-mib'] ? Number(values['memory-limit-mib']) * MB : undefined;
/** With --memory-limit-mib: a memory cgroup for one ingester (the collector sizes nothing from one). */
async function memoryCgroup(): Promise<MemoryCgroup | undefined> {
  if (memoryLimit === undefined) return undefined;
  const made = await createMemoryCgroup(memoryLimit);
  if ('reason' in made) throw new Error(`--memory-limit-mib: ${made.reason}`);
  return made;
}
/** Starts a server, through `wrap` when given (ingesters only). */
type Start = (wrap?: CommandWrap) => Promise<Server>;
const walDir = wal === 'none' ? undefined : await mkdtemp(join(tmpdir(), 'koder-bench-wal-'));

/** One server's run of one round: its load's figures and its memory. */
interface Round extends Load {
  idle: number;
  peak: number;
  delivered?: number;
  limited: Pick<Result, 'limitMB' | 'cgroupPeakMB' | 'oomKills'>;
}

/** Starts a server, loads it, stops it (it flushes to the sink), and says what it measured. */
async function measure(
  name: string,
  what: string,
  start: Start,
  body: Buffer,
  delivered?: () => Promise<number | undefined>,
): Promise<Round> {
  const cgroup = name.startsWith('koder') ? await memoryCgroup() : undefined;
  const server = await start(cgroup?.wrap).catch(async (err) => {
    await cgroup?.remove();
    throw err;
  });
  await new Promise((r) => setTimeout(r, 300));
  const idle = memory(server.pid).rss;
  const r = await load(server, body).catch(async (err: Error) => {
    // A server that died under the load: say whether its cgroup's limit killed it.
    const kills = cgroup?.oomKills() ?? 0;
    await server.stop().catch(() => {});
    await cgroup?.remove();
    const why = kills ? `OOM-killed in its ${(cgroup?.limit ?? 0) / MB} MiB cgroup` : err.message;
    throw new Error(`${name} (${what}) died under the load: ${why}`);
  });
  const peak = memory(server.pid).peak;
  await server.stop(); // both flush what they hold to the sink on SIGTERM
  const limited = cgroup
    ? { limitMB: cgroup.limit / MB, cgroupPeakMB: cgroup.peak() / MB, oomKills: cgroup.oomKills() }
    : {};
  await cgroup?.remove();
  return { ...r, idle, peak, limited, ...(delivered ? { delivered: await delivered() } : {}) };
}

/** A server's rounds as one result: counts and times summed, memory at its highest, latencies pooled. */
function combine(mode: string, kind: string, server: string, rounds: readonly Round[]): Result {
  const sum = (f: (r: Round) => number) => rounds.reduce((n, r) => n + f(r), 0);
  const max = (f: (r: Round) => number) => Math.max(...rounds.map(f));
  const acknowledged = sum((r) => r.ok) * perRequest;
  const cpu = sum((r) => r.cpuSeconds);
  const wall = sum((r) => r.wallSeconds);
  const latencies = rounds.flatMap((r) => r.latencies);
  const last = rounds.at(-1) as Round;
  return {
    mode,
    spans: kind,
    server,
    spansPerCpuSecond: acknowledged / cpu,
    spansPerSecond: acknowledged / wall,
    cpuUse: cpu / wall,
    rssIdleMB: max((r) => r.idle) / MB,
    rssPeakMB: max((r) => r.peak) / MB,
    rssEndMB: max((r) => r.rssEnd) / MB,
    ackP50Ms: percentile(latencies, 50),
    ackP99Ms: percentile(latencies, 99),
    refused: sum((r) => r.refused),
    acknowledgedTotal: sum((r) => r.okTotal) * perRequest,
    ...(last.delivered !== undefined ? { delivered: sum((r) => r.delivered ?? 0) } : {}),
    ...(last.limited.limitMB !== undefined
      ? {
          ...last.limited,
          cgroupPeakMB: max((r) => r.limited.cgroupPeakMB ?? 0),
          oomKills: sum((r) => r.limited.oomKills ?? 0),
        }
      : {}),
  };
}

for (const mode of modes) {
  const forward = mode === 'forward';
  // The sink stands in for Tempo: a collector that accepts and discards, on the load generator's CPU.
  const sink = forward ? await startCollector({ nop: {} }) : undefined;
  let sinkSeen = 0;
  const delivered = async () => {
    if (!sink) return undefined;
    const n = (await sink.metric('otelcol_receiver_accepted_spans')) - sinkSeen;
    sinkSeen += n;
    return n;
  };
  for (const kind of kinds) {
    const body = bodies[kind as keyof typeof bodies];
    // Each round's servers keep their logs and queues in directories of their own: nothing one round
    // left behind is replayed, and counted, in the next.
    let round = 1;
    const ingester =
      (wal?: 'fsync' | 'batch'): Start =>
      (wrap) =>
        startIngester(
          {
            auth: 'none',
            exporter: sink ? { endpoint: sink.grpcEndpoint } : { kind: 'none' },
            defaultLimits: { spansPerSecond: 1e9, burst: 1e9 },
            ...(values['memory-mib'] ? { memory: { maxBytes: Number(values['memory-mib']) * MB } } : {}),
            ...(wal && walDir
              ? { wal: { dir: join(walDir, `${mode}-${kind}-${round}`), durability: wal } }
              : {}),
          },
          serverCpu,
          {
            ...process.env,
            NODE_OPTIONS: [
              values['node-options'] ?? INGESTER_NODE_OPTIONS,
              values['cpu-prof'] ? `--cpu-prof --cpu-prof-dir=${values['cpu-prof']}` : '',
            ]
              .join(' ')
              .trim(),
          },
          values['ingester-main'],
          wrap,
        );
    const servers: [string, Start][] = [
      ['koder ingester', ingester()],
      ...(wal === 'none' ? [] : [[`koder ingester, WAL ${wal}`, ingester(wal)] as [string, Start]]),
      [
        'otelcol',
        () =>
          startCollector(
            sink ? { otlp_grpc: { endpoint: sink.grpcEndpoint, tls: { insecure: true } } } : { nop: {} },
            serverCpu,
          ),
      ],
      // The collector's durable counterpart of the log: a persistent sending queue in file_storage
      // (bbolt), synced on every write in fsync mode. It exists only in front of an exporter, so only
      // when forwarding.
      ...(sink && walDir && wal !== 'none'
        ? [
            [
              `otelcol, file_storage${wal === 'fsync' ? ' fsync' : ''}`,
              () =>
                startCollector(
                  {
                    otlp_grpc: {
                      endpoint: sink.grpcEndpoint,
                      tls: { insecure: true },
                      sending_queue: { storage: 'file_storage' },
                    },
                  },
                  serverCpu,
                  {
                    file_storage: {
                      directory: ensureDir(join(walDir, `otelcol-${kind}-${round}`)),
                      fsync: wal === 'fsync',
                    },
                  },
                ),
            ] as [string, Start],
          ]
        : []),
    ];
    const wanted = servers.filter(
      ([name]) => values.only === 'all' || name.startsWith(values.only === 'ingester' ? 'koder' : 'otelcol'),
    );
    // Rounds alternate the servers, so a machine that slows for a while (a shared host) slows both
    // sides alike; each server's figures are summed over its rounds.
    const rounds = new Map<string, Round[]>();
    for (; round <= roundCount; round++) {
      for (const [name, start] of wanted) {
        const r = await measure(name, `${mode} ${kind}`, start, body, forward ? delivered : undefined);
        rounds.set(name, [...(rounds.get(name) ?? []), r]);
        if (roundCount > 1)
          console.log(
            `round ${round}/${roundCount} ${mode} ${kind} ${name}: ${Math.round((r.ok * perRequest) / r.cpuSeconds / 1000)}k spans/CPU-s`,
          );
      }
    }
    for (const [name, rs] of rounds) {
      results.push(combine(mode, kind, name, rs));
      printRow(results.at(-1) as Result);
    }
  }
  await sink?.stop();
}
if (walDir) await rm(walDir, { recursive: true, force: true });

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

function printRow(r: Result): void {
  const k = (n: number) => `${(n / 1000).toFixed(0)}k`;
  console.log(
    `${r.mode.padEnd(8)} ${r.spans.padEnd(6)} ${r.server.padEnd(26)}` +
      ` ${k(r.spansPerCpuSecond).padStart(6)} spans/CPU-s (${k(r.spansPerSecond)}/s at ${(r.cpuUse * 100).toFixed(0)}% CPU)` +
      `  RSS idle/peak/end ${r.rssIdleMB.toFixed(0)}/${r.rssPeakMB.toFixed(0)}/${r.rssEndMB.toFixed(0)} MB` +
      `  ack p50/p99 ${r.ackP50Ms.toFixed(1)}/${r.ackP99Ms.toFixed(1)} ms  refused ${r.refused}` +
      (r.delivered !== undefined
        ? `  delivered ${r.delivered.toLocaleString('en')} of ${r.acknowledgedTotal.toLocaleString('en')} acknowledged`
        : '') +
      (r.limitMB !== undefined
        ? `  limit ${r.limitMB} MiB: cgroup peak ${r.cgroupPeakMB?.toFixed(0)} MiB, OOM kills ${r.oomKills}`
        : ''),
  );
}

// The table for docs/performance.md, with the ratio to the collector per case.
console.log(
  '\n| mode | spans | server | spans per CPU-second | ratio | spans/s (server CPU) | RSS idle / peak / end (MB) | ack p50 / p99 (ms) | refused | delivered / acknowledged |',
);
console.log('| --- | --- | --- | --: | --: | --: | --: | --: | --: | --: |');
const n = (x: number) => Math.round(x).toLocaleString('en');
for (const r of results) {
  // Durable rows are compared with the durable collector when there is one, the others with the plain one.
  const durable = r.server.includes('WAL') || r.server.includes('file_storage');
  const reference = (x: Result) => x.mode === r.mode && x.spans === r.spans && x.server.startsWith('otelcol');
  const ref =
    (durable ? results.find((x) => reference(x) && x.server.includes('file_storage')) : undefined) ??
    results.find((x) => reference(x) && x.server === 'otelcol');
  const ratio = ref && r !== ref ? `${(r.spansPerCpuSecond / ref.spansPerCpuSecond).toFixed(2)}×` : '';
  console.log(
    `| ${r.mode} | ${r.spans} | ${r.server} | ${n(r.spansPerCpuSecond)} | ${ratio} | ` +
      `${n(r.spansPerSecond)} (${(r.cpuUse * 100).toFixed(0)} %) | ` +
      `${r.rssIdleMB.toFixed(0)} / ${r.rssPeakMB.toFixed(0)} / ${r.rssEndMB.toFixed(0)} | ` +
      `${r.ackP50Ms.toFixed(1)} / ${r.ackP99Ms.toFixed(1)} | ${r.refused} | ` +
      `${r.delivered === undefined ? '—' : `${n(r.delivered)} / ${n(r.acknowledgedTotal)}`} |`,
  );
}
if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
