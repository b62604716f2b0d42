// Experiment: would spreading the per-request work over worker threads pay? The same requests as
// bench/hot-path.ts (256 plain or LLM spans from the OTel SDK) go through decode + validate, GenAI
// normalisation, attribute caps, tenant stamp and encoding — on the main thread (`--workers 0`), or in
// N worker threads that each get a received body (transferred, not copied) and hand back the encoded
// request (transferred), two requests in flight per worker. Reports spans per second (wall) and per
// CPU-second of the whole process (every thread), so both what more cores buy and what the hand-over
// costs are visible. The ingester itself runs one thread; docs/performance.md says why.
//   node bench/worker-threads.ts [--spans plain|llm] [--workers 0,1,2] [--seconds 4]
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { normaliseBatch } from '../ingester/src/normalise/normalise.ts';
import { decodeTraceRequest } from '../ingester/src/otlp/decode-proto.ts';
import { encodeTraceRequest } from '../ingester/src/otlp/encode-proto.ts';
import { tagTenant } from '../ingester/src/pipeline/tenant-tag.ts';
import { truncateAttributes } from '../ingester/src/pipeline/truncate-attributes.ts';

const PER_REQUEST = 256;

function work(body: Buffer): Buffer {
  const batch = decodeTraceRequest(body);
  normaliseBatch(batch, 'full');
  truncateAttributes(batch, 65536);
  tagTenant(batch, 'bench');
  return encodeTraceRequest(batch);
}

/** The buffer's bytes as an ArrayBuffer of their own, to transfer. */
function ownArrayBuffer(b: Buffer): ArrayBuffer {
  const whole = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;
  return (whole ? b.buffer : b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) as ArrayBuffer;
}

if (!isMainThread) {
  parentPort?.on('message', (body: ArrayBuffer) => {
    const out = ownArrayBuffer(work(Buffer.from(body)));
    parentPort?.postMessage(out, [out]);
  });
} else {
  const { values } = parseArgs({
    options: {
      spans: { type: 'string', default: 'llm' },
      workers: { type: 'string', default: '0,1,2' },
      seconds: { type: 'string', default: '4' },
    },
  });
  const { sdkProtobuf } = await import('../ingester/src/testing/sdk-spans.ts');
  const { llmSpans, plainSpans } = await import('./spans.ts');
  const body = sdkProtobuf(await (values.spans === 'plain' ? plainSpans : llmSpans)(PER_REQUEST));
  const seconds = Number(values.seconds);
  /** A body as the receiver has it: its own freshly allocated buffer. */
  const received = () => {
    const b = Buffer.allocUnsafe(body.length);
    body.copy(b);
    return b;
  };

  for (const n of (values.workers as string).split(',').map(Number)) {
    let requests = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    if (n === 0) {
      while (performance.now() - t0 < seconds * 1000) {
        work(received());
        requests++;
      }
    } else {
      const pool = Array.from({ length: n }, () => new Worker(new URL(import.meta.url)));
      let stopping = false;
      const timer = setTimeout(() => {
        stopping = true;
      }, seconds * 1000);
      await new Promise<void>((resolve) => {
        let inFlight = 0;
        for (const w of pool) {
          const send = () => {
            const b = ownArrayBuffer(received());
            inFlight++;
            w.postMessage(b, [b]);
          };
          w.on('message', () => {
            inFlight--;
            requests++;
            if (!stopping) send();
            else if (inFlight === 0) resolve();
          });
          send();
          send();
        }
      });
      clearTimeout(timer);
      await Promise.all(pool.map((w) => w.terminate()));
    }
    const wall = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1e6;
    const spans = requests * PER_REQUEST;
    console.log(
      `${values.spans} workers=${n}: ${Math.round(spans / wall).toLocaleString('en')} spans/s, ` +
        `${Math.round(spans / cpu).toLocaleString('en')} spans per CPU-second (process CPU ${((cpu / wall) * 100).toFixed(0)} %)`,
    );
  }
}
