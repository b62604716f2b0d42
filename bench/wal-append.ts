// Benchmark: how long an append to the write-ahead log takes to be durable (written and synced), beside
// the disk's own floor, in one run. The log appends 895 KB records (one 256-span LLM request each) and
// lets each go shortly after, so its segments fill, rotate every second and are spent, as under load
// with storage keeping up. The reference writes the same bytes into one file it overwrites in a ring
// and syncs after each: no file is ever made or freed, the least a durable append can cost on this
// disk. Rounds of each alternate, so both see the same moments of the machine.
//   node bench/wal-append.ts [--seconds 8] [--rounds 4] [--dir /tmp] [--record-kb 895] [--gap-ms 5]
// --gap-ms: CPU time spent between appends (the rest of a request's work), so appends do not run
// back to back.
import { closeSync, fdatasync, mkdtempSync, openSync, rmSync, writev } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodedRequest } from '../ingester/src/otlp/encode-proto.ts';
import { openWal } from '../ingester/src/wal/wal.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '4' },
    dir: { type: 'string', default: tmpdir() },
    'record-kb': { type: 'string', default: '895' },
    'gap-ms': { type: 'string', default: '5' },
  },
});
const RING_BYTES = 256 * 1024 * 1024;
const seconds = Number(values.seconds) / Number(values.rounds);
const gapMs = Number(values['gap-ms']);
const request = Buffer.alloc(Number(values['record-kb']) * 1024, 7);
const root = mkdtempSync(join(values.dir as string, 'koder-bench-wal-append-'));

/** Busy for `ms`: the rest of a request's work, on the same thread. */
const work = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

async function logRound(samples: number[]): Promise<void> {
  const wal = await openWal({
    dir: join(root, 'log'),
    durability: 'fsync',
    segmentBytes: 64 << 20,
    syncIntervalMs: 200,
  });
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    const segment = await wal.append({ tenant: 't', spans: 256, request: encodedRequest(request) });
    samples.push(performance.now() - t0);
    // Storage takes it a little later, as the export queue would.
    setTimeout(() => wal.release(segment), 50);
    work(gapMs);
  }
  await new Promise((r) => setTimeout(r, 100));
  await wal.close();
}

async function floorRound(samples: number[]): Promise<void> {
  const fd = openSync(join(root, 'ring'), 'w');
  let at = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) =>
      writev(fd, [request], at, (err) =>
        err ? reject(err) : fdatasync(fd, (e) => (e ? reject(e) : resolve())),
      ),
    );
    samples.push(performance.now() - t0);
    at = (at + request.length) % RING_BYTES;
    work(gapMs);
  }
  closeSync(fd);
}

const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))] as number;
const log: number[] = [];
const floor: number[] = [];
// The ring is written once first, so the reference never allocates either.
await floorRound([]);
for (let i = 0; i < Number(values.rounds); i++) {
  await logRound(log);
  await floorRound(floor);
}
rmSync(root, { recursive: true, force: true });

const row = (name: string, xs: number[], ref?: number[]) =>
  `| ${name} | ${xs.length} | ${[0.5, 0.99, 1].map((p) => q(xs, p).toFixed(1)).join(' / ')} | ${ref ? `${(q(xs, 0.99) / q(ref, 0.99)).toFixed(2)}×` : ''} |`;
console.log(
  `${request.length.toLocaleString('en')} B records, ${gapMs} ms of work between appends, ${values.rounds} alternating rounds of ${seconds} s each, in ${values.dir}`,
);
console.log('| appends | n | durable in p50 / p99 / max (ms) | p99 vs floor |');
console.log('| --- | --: | --: | --: |');
console.log(row('write-ahead log (segments rotated, spent, reused)', log, floor));
console.log(row('floor: one file overwritten in a ring, synced each time (reference)', floor));
