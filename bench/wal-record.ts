// Benchmark: what the write-ahead log costs per request on the CPU that serves it, stage by stage, on
// the same 256-span requests as bench/ingest-vs-collector.ts — encoding the request for the log (and
// the sink: parts, mostly views of the received bytes), checksumming it, writing it — with the checksum side by side with node:zlib's crc32 (the
// reference the log used before). The write goes to a file in --dir (default the system's temporary
// directory); no sync, which waits on the disk rather than using the CPU.
//   node bench/wal-record.ts [--spans plain|llm|all] [--seconds 3] [--dir /tmp]
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writevSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { decodeTraceRequest } from '../ingester/src/otlp/decode-proto.ts';
import { encodeTraceRequestParts } from '../ingester/src/otlp/encode-proto.ts';
import { sdkProtobuf } from '../ingester/src/testing/sdk-spans.ts';
import { encodeRecordParts } from '../ingester/src/wal/record.ts';
import { llmSpans, plainSpans } from './spans.ts';
import { stageClock } from './stage-clock.ts';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: 'all' },
    seconds: { type: 'string', default: '3' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const PER_REQUEST = 256;
const kinds = values.spans === 'all' ? ['plain', 'llm'] : [values.spans as string];
const dir = mkdtempSync(join(values.dir as string, 'koder-bench-wal-record-'));
const fd = openSync(join(dir, 'segment.wal'), 'w');
const STAGES = ['encode', 'record (checksum)', 'zlib crc32 (reference)', 'write'] as const;

console.log('| spans | request | stage | µs per request | ns per span |');
console.log('| --- | --: | --- | --: | --: |');
for (const kind of kinds) {
  const body = sdkProtobuf(await (kind === 'llm' ? llmSpans : plainSpans)(PER_REQUEST));
  const batch = decodeTraceRequest(body);
  const clock = stageClock(STAGES);
  const { spent } = clock;
  let requests = 0;
  const deadline = performance.now() + Number(values.seconds) * 1000;
  while (performance.now() < deadline) {
    const lap = clock.round();
    const request = encodeTraceRequestParts(batch);
    lap('encode');
    const parts = encodeRecordParts({ tenant: 'bench', spans: PER_REQUEST, request });
    lap('record (checksum)');
    let crc = 0;
    for (const part of request.parts) crc = zlibCrc32(part, crc);
    lap('zlib crc32 (reference)');
    writevSync(fd, parts);
    lap('write');
    if (++requests % 64 === 0) ftruncateSync(fd, 0);
  }
  for (const stage of STAGES) {
    const us = spent[stage] / requests;
    console.log(
      `| ${kind} | ${body.length.toLocaleString('en')} B | ${stage} | ${us.toFixed(0)} | ${((us * 1000) / PER_REQUEST).toFixed(0)} |`,
    );
  }
  const ours = spent['record (checksum)'];
  console.log(
    `| ${kind} | | checksum: zlib / ours | ${(spent['zlib crc32 (reference)'] / ours).toFixed(1)}× | |`,
  );
}
closeSync(fd);
rmSync(dir, { recursive: true, force: true });
