// A new user's first steps, as the README tells them: `make run`, `make demo` with the standard OTel
// variables, the README's example queries, `make run MANIFESTS=examples/tenants`, and the messages
// they see when something is in the way (a port already taken).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalProcess, startLocalStack } from '../harness/local-stack.ts';
import { freePorts } from '../harness/ports.ts';
import { type ManagedProcess, runCommand, waitUntilReady } from '../harness/process.ts';
import { until } from '../harness/wait.ts';

const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const DEMO = repo('query/src/demo/traffic.ts');
const README = readFileSync(repo('README.md'), 'utf8');

/** The environment of a shell with no OTel variables of its own, plus `extra`. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  return { ...env, ...extra };
}

describe('the README quick start against make demo', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('make demo sends where OTEL_EXPORTER_OTLP_ENDPOINT says, and every README query finds something', async () => {
    // The README's own line, pointed at this stack's port.
    expect(README).toContain('export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318');
    const run = await runCommand(process.execPath, [DEMO, '--api', stack.queryUrl], {
      env: envWith({ OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpHttp }),
      timeoutMs: 90_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`sent 40 agent runs to ${stack.otlpHttp}/v1/traces`);
    await until(
      'the 40 demo runs stored',
      async () => (await stack.get('/api/v1/traces?limit=100')).body?.traces?.length === 40 || undefined,
      30_000,
    );
    const queries = [...README.matchAll(/curl '(http:\/\/127\.0\.0\.1:8080)(\/api\/[^']+)'/g)].map(
      (m) => m[2] as string,
    );
    expect(queries).toContain('/api/v1/traces?model=gpt-4o&error=true');
    for (const q of queries) {
      const res = await stack.get(q);
      expect(res.status, q).toBe(200);
      const found =
        res.body.traces ?? res.body.versions ?? res.body.prompts ?? res.body.sessions ?? res.body.groups;
      expect(found?.length, `${q} found nothing`).toBeGreaterThan(0);
    }
    // Each model has failing runs, as real agent traffic does (rate limits, tool timeouts).
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4'])
      expect(
        (await stack.get(`/api/v1/traces?model=${model}&error=true`)).body.traces.length,
      ).toBeGreaterThan(0);
  });

  it('tells the UI where to send spans (GET /api/v1/info)', async () => {
    expect(await stack.get('/api/v1/info')).toEqual({
      status: 200,
      body: { ingest: { otlpHttp: stack.otlpHttp, otlpGrpc: stack.otlpGrpc }, auth: 'none' },
    });
    expect((await stack.get('/api/v1/info?x=1')).status).toBe(400);
  });
});

describe('make run MANIFESTS=examples/tenants', () => {
  let dir: string;
  const procs: ManagedProcess[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'koder-first-use-'));
  });
  afterAll(async () => {
    for (const p of procs) await p.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a token for the example tenant, prints it, keeps it across restarts, and demands it', async () => {
    // What the Makefile's run target passes.
    const first = await startLocalProcess('examples run 1', dir, [
      '--manifests',
      repo('examples/tenants'),
      '--generate-tokens',
    ]);
    procs.push(first.proc);
    await waitUntilReady(first.proc, async () => (await fetch(`${first.queryUrl}/healthz`)).ok, 30_000);
    await first.proc.stop();
    const printed = /token of team-a\/support-bot .*\n\s+(kt_[A-Za-z0-9_-]{32})\n/.exec(
      readFileSync(first.proc.logFile, 'utf8'),
    );
    expect(printed, first.proc.tail()).not.toBeNull();
    const token = printed?.[1] as string;

    const second = await startLocalProcess('examples run 2', dir, [
      '--manifests',
      repo('examples/tenants'),
      '--generate-tokens',
    ]);
    procs.push(second.proc);
    await waitUntilReady(second.proc, async () => (await fetch(`${second.queryUrl}/healthz`)).ok, 30_000);
    expect(readFileSync(second.proc.logFile, 'utf8')).toContain(token);
    expect((await fetch(`${second.queryUrl}/api/v1/traces`)).status).toBe(401);
    const info = (await (await fetch(`${second.queryUrl}/api/v1/info`)).json()) as { auth: string };
    expect(info.auth).toBe('tokens');

    // The demo, as the printed lines say: the token in OTEL_EXPORTER_OTLP_HEADERS.
    const run = await runCommand(process.execPath, [DEMO, '--runs', '4', '--api', second.queryUrl], {
      env: envWith({
        OTEL_EXPORTER_OTLP_ENDPOINT: second.otlpHttp,
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${token}`,
      }),
      timeoutMs: 60_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const traces = await until('the example tenant’s traces', async () => {
      const res = await fetch(`${second.queryUrl}/api/v1/traces`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await res.json()) as { traces?: unknown[] };
      return body.traces?.length ? body.traces : undefined;
    });
    expect(traces.length).toBeGreaterThan(0);
  });

  it('without --generate-tokens it still refuses, saying how to get a token', async () => {
    const run = await startLocalProcess('examples no tokens', dir, ['--manifests', repo('examples/tenants')]);
    procs.push(run.proc);
    await until('the process to exit', () => (run.proc.exitCode() !== undefined ? true : undefined), 30_000);
    expect(run.proc.exitCode()).toBe(1);
    expect(run.proc.tail()).toMatch(/refusing to start/);
    expect(run.proc.tail()).toMatch(/--generate-tokens/);
  });
});

describe('a port already taken', () => {
  let dir: string;
  let holder: Server;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'koder-port-taken-'));
  });
  afterAll(async () => {
    holder?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const hold = async (): Promise<number> => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    return (holder.address() as { port: number }).port;
  };

  it.each([
    [1, 'OTLP/HTTP', '--http-port'],
    [3, 'trace UI and query API', '--query-port'],
  ])('names the port and its flag (position %i: %s)', async (position, what, flag) => {
    const ports = await freePorts(4);
    const taken = await hold();
    ports[position] = taken;
    const run = await startLocalProcess(`port taken ${flag}`, dir, [], ports);
    try {
      await until(
        'the process to exit',
        () => (run.proc.exitCode() !== undefined ? true : undefined),
        30_000,
      );
      expect(run.proc.exitCode()).toBe(1);
      expect(run.proc.tail()).toContain(`port ${taken} (${what}, ${flag}) is in use`);
      expect(run.proc.tail()).toContain(`make run ARGS='${flag} <port>'`);
    } finally {
      await run.proc.stop();
      holder.close();
    }
  });
});
