#!/usr/bin/env node
// `make export ARGS='--what calls --format csv --out calls.csv model=gpt-4o'`: every trace or LLM call
// a search matches, from a running Koder Trace, to a file (or stdout), resuming by itself when the
// connection drops. Filters are the search's parameters as key=value (docs/query.md).
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { ExportRefused, exportTo } from './api/export-client.ts';

const USAGE = `usage: node query/src/export-cli.ts [--url URL] [--token TOKEN] [--what traces|calls]
       [--format ndjson|csv] [--out FILE] [--retries N] [key=value ...]
  key=value   search parameters, e.g. model=gpt-4o error=true start=2026-01-01 (docs/query.md)
  --token     a tenant token (default: $KODER_TRACE_TOKEN; none in single-tenant mode)`;

function fail(message: string, code = 2): never {
  process.stderr.write(`export: ${message}\n`);
  process.exit(code);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      token: { type: 'string' },
      what: { type: 'string', default: 'traces' },
      format: { type: 'string', default: 'ndjson' },
      out: { type: 'string' },
      retries: { type: 'string', default: '5' },
      help: { type: 'boolean' },
    },
  });
}
try {
  parsed = parse();
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const { what, format } = values;
if (what !== 'traces' && what !== 'calls') fail(`--what: expected traces or calls, got ${what}`);
if (format !== 'ndjson' && format !== 'csv') fail(`--format: expected ndjson or csv, got ${format}`);
const retries = Number(values.retries);
if (!Number.isInteger(retries) || retries < 0)
  fail(`--retries: expected a whole number, got ${values.retries}`);
const search = new URLSearchParams();
for (const p of positionals) {
  const at = p.indexOf('=');
  if (at <= 0) fail(`expected a search parameter as key=value, got ${JSON.stringify(p)}\n${USAGE}`);
  search.append(p.slice(0, at), p.slice(at + 1));
}

const out = values.out ? createWriteStream(values.out) : process.stdout;
try {
  const done = await exportTo(out, {
    url: values.url,
    token: values.token ?? process.env.KODER_TRACE_TOKEN,
    what,
    format,
    search,
    retries,
    onProgress: (d) =>
      process.stderr.write(`\rexport: ${d.traces} traces${what === 'calls' ? `, ${d.calls} calls` : ''}`),
  });
  process.stderr.write(
    `\rexport: done, ${done.traces} traces${what === 'calls' ? `, ${done.calls} calls` : ''}` +
      `${done.resumed ? ` (resumed ${done.resumed} times)` : ''}${values.out ? ` → ${values.out}` : ''}\n`,
  );
  if (out !== process.stdout) await new Promise<void>((r) => out.end(() => r()));
} catch (err) {
  fail(err instanceof ExportRefused ? `refused: ${err.message}` : (err as Error).message, 1);
}
