// The query program as a cluster runs it (node query/src/main.ts --tempo-url …) against the Tempo
// stand-in: its Tempo flags (look-back, max search duration) are validated and reach Tempo's search,
// and a trace Tempo returns cut (status PARTIAL, when it is over max_bytes_per_trace) is answered with
// `partial: true` and its reason, and logged.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, retryOnPortClash } from '../harness/ports.ts';
import { type ManagedProcess, runCommand, startProcess, waitUntilReady } from '../harness/process.ts';
import { startTempoStandin, type TempoStandin } from '../harness/tempo-standin.ts';

const QUERY_MAIN = fileURLToPath(new URL('../../query/src/main.ts', import.meta.url));
const HOUR_S = 3600;
const TENANT = 'default'; // single-tenant mode (auth: none)
const PARTIAL_MESSAGE = 'Trace exceeds maximum size of 1000 bytes, a partial trace is returned';

interface RunningQuery {
  url: string;
  proc: ManagedProcess;
  stop(): Promise<void>;
}

let dir: string;
let configPath: string;

async function startQuery(tempoUrl: string, flags: string[]): Promise<RunningQuery> {
  return retryOnPortClash(async () => {
    const port = await freePort();
    const proc = startProcess({
      name: 'query',
      command: process.execPath,
      args: [QUERY_MAIN, '--tempo-url', tempoUrl, '--config', configPath, '--port', String(port), ...flags],
      logFile: join(dir, `query-${port}.log`),
    });
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(proc, async () => (await fetch(`${url}/healthz`)).ok, 20_000);
    return { url, proc, stop: () => proc.stop() };
  });
}

/** Tempo in front of the stand-in that answers one trace as Tempo does a trace over max_bytes_per_trace. */
async function partialTempo(standin: TempoStandin, partialId: string): Promise<Server> {
  const server = createServer(async (req, res) => {
    const upstream = await fetch(`${standin.url}${req.url}`, {
      headers: Object.fromEntries(
        Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
      ),
    });
    let body = await upstream.text();
    if (req.url === `/api/v2/traces/${partialId}` && upstream.ok)
      body = JSON.stringify({ ...JSON.parse(body), status: 'PARTIAL', message: PARTIAL_MESSAGE });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');
function trace(id: string, name: string, startNs: bigint) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: id,
                spanId: hex(1, 16),
                name,
                kind: 1,
                startTimeUnixNano: String(startNs),
                endTimeUnixNano: String(startNs + 1_000_000n),
              },
            ],
          },
        ],
      },
    ],
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'koder-query-main-'));
  configPath = join(dir, 'config.yaml');
  await writeFile(configPath, 'auth: none\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('query main: --tempo-lookback and --tempo-max-search-duration', () => {
  it.each([
    ['--tempo-lookback', '30x'],
    ['--tempo-lookback', '0'],
    ['--tempo-lookback', '1h30d'],
    ['--tempo-lookback', ''],
    ['--tempo-max-search-duration', '-1h'],
    ['--tempo-max-search-duration', '200000w'],
  ])('refuses %s %j, naming the flag', async (flag, value) => {
    const r = await runCommand(
      process.execPath,
      [QUERY_MAIN, '--config', configPath, '--port', '0', `${flag}=${value}`],
      { timeoutMs: 20_000 },
    );
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain(`${flag}: expected a duration`);
  });

  describe('against Tempo with a 1 h max search duration', () => {
    let standin: TempoStandin;
    beforeAll(async () => {
      standin = await startTempoStandin({ mode: '2.8', maxSearchDurationS: HOUR_S });
    });
    afterAll(async () => {
      await standin?.close();
    });

    it('searches the look-back in windows of the max search duration, newest first', async () => {
      const q = await startQuery(standin.url, ['--tempo-lookback=6h', '--tempo-max-search-duration=1h']);
      try {
        const id = hex(0xabc, 32);
        const nowNs = BigInt(Date.now()) * 1_000_000n;
        standin.push(TENANT, trace(id, 'five hours ago', nowNs - 5n * BigInt(HOUR_S) * 1_000_000_000n));
        const before = standin.requests.length;
        const res = await fetch(`${q.url}/api/v1/traces`);
        expect(res.status).toBe(200);
        const body = (await res.json()) as { traces: { traceId: string }[] };
        expect(body.traces.map((t) => t.traceId)).toEqual([id]);
        const searches = standin.requests.slice(before).filter((r) => r.path === '/api/search');
        const windows = searches.map((r) => [Number(r.query.get('start')), Number(r.query.get('end'))]);
        for (const [a, b] of windows) expect((b as number) - (a as number)).toBeLessThanOrEqual(HOUR_S);
        const ends = windows.map((w) => w[1] as number);
        expect(ends).toEqual([...ends].sort((x, y) => y - x)); // newest window first
        const nowS = Number(nowNs / 1_000_000_000n);
        expect(Math.min(...windows.map((w) => w[0] as number))).toBeGreaterThanOrEqual(nowS - 6 * HOUR_S - 5);
        expect(Math.min(...windows.map((w) => w[0] as number))).toBeLessThanOrEqual(nowS - 6 * HOUR_S + 5);
        expect(searches.every((r) => r.status === 200)).toBe(true);
      } finally {
        await q.stop();
      }
    });

    it('with the default max search duration (168 h) the same Tempo refuses the search', async () => {
      const q = await startQuery(standin.url, ['--tempo-lookback=6h']);
      try {
        expect((await fetch(`${q.url}/api/v1/traces`)).status).toBe(500);
      } finally {
        await q.stop();
      }
    });
  });
});

describe('query main: a trace Tempo returns cut (PARTIAL)', () => {
  let standin: TempoStandin;
  let tempo: Server;
  let q: RunningQuery;
  const cut = hex(0xc0ffee, 32);
  const whole = hex(0xbeef, 32);
  beforeAll(async () => {
    standin = await startTempoStandin({ mode: '2.8' });
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    standin.push(TENANT, trace(cut, 'cut', nowNs - 60_000_000_000n));
    standin.push(TENANT, trace(whole, 'whole', nowNs - 60_000_000_000n));
    tempo = await partialTempo(standin, cut);
    q = await startQuery(`http://127.0.0.1:${(tempo.address() as AddressInfo).port}`, []);
  });
  afterAll(async () => {
    await q?.stop();
    await new Promise<void>((resolve) => (tempo ? tempo.close(() => resolve()) : resolve()));
    await standin?.close();
  });

  it('answers partial: true with the reason, and logs it', async () => {
    const res = await fetch(`${q.url}/api/v1/traces/${cut}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partial: boolean; partialReason: string | null; spans: unknown[] };
    expect(body.partial).toBe(true);
    expect(body.partialReason).toBe(PARTIAL_MESSAGE);
    expect(body.spans.length).toBe(1);
    await q.stop(); // flushes the log
    const log = await readFile(q.proc.logFile, 'utf8');
    const line = log.split('\n').find((l) => l.includes('only part of a trace'));
    expect(line, log).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({ level: 40, tenant: TENANT, traceId: cut });
  });

  it('answers partial: false for a whole trace', async () => {
    q = await startQuery(`http://127.0.0.1:${(tempo.address() as AddressInfo).port}`, []);
    const body = (await (await fetch(`${q.url}/api/v1/traces/${whole}`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ partial: false, partialReason: null });
  });
});
