// A child process for tests: output kept in a log file, readiness polled, and a teardown that always
// ends it (SIGTERM, then SIGKILL), even when the test runner itself exits early.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const live = new Set<ChildProcess>();
const killAll = () => {
  for (const child of live) child.kill('SIGKILL');
};
process.once('exit', killAll);
// A test worker ended by a signal runs no 'exit' handlers: end the children here too.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
  });
}

export interface ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  /** The operating system's process id (to read its memory from /proc). */
  readonly pid: number | undefined;
  /** The last lines of the process's output, for error messages. */
  tail(lines?: number): string;
  /** Set once the process has exited. */
  exitCode(): number | null | undefined;
  stop(graceMs?: number): Promise<void>;
  /** Kills the process at once (a crash, an OOM kill) and waits until it is gone. */
  kill(): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

export function startProcess(opts: StartOptions): ManagedProcess {
  const log = createWriteStream(opts.logFile);
  log.write(`$ ${opts.command} ${opts.args.join(' ')}\n`);
  const child = spawn(opts.command, opts.args, {
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let exited: number | null | undefined;
  const done = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = code ?? (signal ? -1 : null);
      live.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      log.write(`spawn error: ${err.message}\n`);
      exited = -1;
      live.delete(child);
      resolve();
    });
  });
  return {
    name: opts.name,
    logFile: opts.logFile,
    pid: child.pid,
    exitCode: () => exited,
    tail(lines = 40) {
      try {
        return readFileSync(opts.logFile, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '(no log)';
      }
    },
    async kill() {
      if (exited === undefined) child.kill('SIGKILL');
      await done;
    },
    async stop(graceMs = 5000) {
      if (exited === undefined) {
        child.kill('SIGTERM');
        const killed = await Promise.race([done.then(() => true), sleep(graceMs).then(() => false)]);
        if (!killed) {
          child.kill('SIGKILL');
          await done;
        }
      }
      await new Promise<void>((resolve) => log.end(resolve));
    },
  };
}

/**
 * Polls `probe` until it returns true. Fails early, with the process's last output, if the process
 * exits; fails with the same output when the time is up. Either way it stops the process first, so a
 * caller has nothing to clean up but its own files.
 */
export async function waitUntilReady(
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (proc.exitCode() !== undefined) {
      await proc.stop(); // also flushes its log before the tail is read
      throw new Error(`${proc.name} exited (code ${proc.exitCode()}) before it was ready:\n${proc.tail()}`);
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(200);
  }
  await proc.stop();
  throw new Error(
    `${proc.name} not ready after ${timeoutMs} ms${lastError ? ` (last probe: ${lastError})` : ''}; ` +
      `log ${proc.logFile}:\n${proc.tail()}`,
  );
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and returns its output; never throws on a non-zero exit. */
export async function runCommand(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
