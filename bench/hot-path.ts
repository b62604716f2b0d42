// Benchmark: the ingester's per-request work in this process, stage by stage, on the same requests as
// bench/ingest-vs-collector.ts (256 plain or LLM spans from the OTel SDK). CPU time per span for:
// decode (with validation), normalise + content capture, attribute caps, tenant stamp, usage counts,
// sampling, and encoding for export (as the log and the queue take it: parts, mostly views).
// Steadier than the end-to-end benchmark on a busy machine (no network, no other process), so it is
// the one to compare a hot-path change before and after.
//   node bench/hot-path.ts [--spans plain|llm|all] [--seconds 3] [--capture full|metadata|none]
import { parseArgs } from 'node:util';
import { createMetrics } from '../ingester/src/metrics.ts';
import { normaliseBatch } from '../ingester/src/normalise/normalise.ts';
import { decodeTraceRequest } from '../ingester/src/otlp/decode-proto.ts';
import { encodeTraceRequestParts } from '../ingester/src/otlp/encode-proto.ts';
import { tagTenant } from '../ingester/src/pipeline/tenant-tag.ts';
import { truncateAttributes } from '../ingester/src/pipeline/truncate-attributes.ts';
import { countUsage } from '../ingester/src/pipeline/usage.ts';
import { compilePolicy } from '../ingester/src/sample/policy.ts';
import { sampleBatch } from '../ingester/src/sample/sampler.ts';
import type { ContentCapture } from '../ingester/src/tenants/registry.ts';
import { sdkProtobuf } from '../ingester/src/testing/sdk-spans.ts';
import { llmSpans, plainSpans } from './spans.ts';
import { cpu, stageClock } from './stage-clock.ts';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: 'all' },
    seconds: { type: 'string', default: '3' },
    capture: { type: 'string', default: 'full' },
  },
});
const PER_REQUEST = 256;
const capture = values.capture as ContentCapture;
const kinds = values.spans === 'all' ? ['plain', 'llm'] : [values.spans as string];
const metrics = createMetrics();
const policy = compilePolicy(undefined);

const STAGES = ['decode', 'normalise', 'truncate', 'tag', 'usage', 'sample', 'encode'] as const;

for (const kind of kinds) {
  const body = sdkProtobuf(await (kind === 'llm' ? llmSpans : plainSpans)(PER_REQUEST));
  const clock = stageClock(STAGES);
  const { spent } = clock;
  let requests = 0;
  const deadline = performance.now() + Number(values.seconds) * 1000;
  const start = cpu();
  while (performance.now() < deadline) {
    const lap = clock.round();
    const batch = decodeTraceRequest(body);
    lap('decode');
    normaliseBatch(batch, capture);
    lap('normalise');
    truncateAttributes(batch, 65536);
    lap('truncate');
    tagTenant(batch, 'bench');
    lap('tag');
    countUsage(batch, 'bench', metrics);
    lap('usage');
    sampleBatch(batch, policy);
    lap('sample');
    encodeTraceRequestParts(batch);
    lap('encode');
    requests++;
  }
  const total = cpu() - start;
  const spans = requests * PER_REQUEST;
  const perSpan = (us: number) => `${((us / spans) * 1000).toFixed(0)} ns`;
  console.log(
    `${kind.padEnd(5)} ${(spans / (total / 1e6)).toFixed(0).padStart(8)} spans/CPU-s in-process (${requests} requests of ${body.length.toLocaleString('en')} B); per span: ` +
      STAGES.map((s) => `${s} ${perSpan(spent[s])}`).join(', '),
  );
}
