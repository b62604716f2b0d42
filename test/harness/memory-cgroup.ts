// A memory cgroup for child processes: a container's memory limit without a container. A process in
// it sees the limit as it would in a pod (Node's process.constrainedMemory), and the kernel OOM-kills
// it past the limit as the kubelet's cgroup would. Needs root and a memory controller to write to
// (cgroup v2 with memory enabled, or v1's memory hierarchy); otherwise `reason` says why not.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A command line turned into another that runs it (inside a cgroup, say). */
export type CommandWrap = (command: string, args: string[]) => { command: string; args: string[] };

export interface MemoryCgroup {
  readonly limit: number;
  /** `command args`, run inside the cgroup (the same process id: the wrapper execs it). */
  wrap: CommandWrap;
  /** The most memory the cgroup's processes used at once (bytes). */
  peak(): number;
  /** How many times the kernel killed a process in it for memory. */
  oomKills(): number;
  /** Removes the cgroup once its processes are gone. */
  remove(): Promise<void>;
}

interface Layout {
  dir: string;
  limitFile: string;
  peakFile: string;
  /** The file with an `oom_kill N` line. */
  eventsFile: string;
}

/** Where a new memory cgroup can go on this machine, or why none can. */
function layout(name: string): Layout | { reason: string } {
  if (process.getuid?.() !== 0) return { reason: 'creating a memory cgroup needs root' };
  const v2 = '/sys/fs/cgroup';
  if (existsSync(join(v2, 'cgroup.controllers'))) {
    if (!readFileSync(join(v2, 'cgroup.subtree_control'), 'utf8').includes('memory'))
      return { reason: 'the cgroup v2 root does not delegate the memory controller' };
    const dir = join(v2, name);
    return { dir, limitFile: 'memory.max', peakFile: 'memory.peak', eventsFile: 'memory.events' };
  }
  const v1 = '/sys/fs/cgroup/memory';
  if (existsSync(join(v1, 'memory.limit_in_bytes'))) {
    const dir = join(v1, name);
    return {
      dir,
      limitFile: 'memory.limit_in_bytes',
      peakFile: 'memory.max_usage_in_bytes',
      eventsFile: 'memory.oom_control',
    };
  }
  return { reason: 'no cgroup memory controller is mounted' };
}

/** Names of the cgroups made here start with this; each test removes its own. */
export const TEST_CGROUP_PREFIX = 'koder-test-';

export async function createMemoryCgroup(limit: number): Promise<MemoryCgroup | { reason: string }> {
  const where = layout(`${TEST_CGROUP_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  if ('reason' in where) return where;
  try {
    await mkdir(where.dir);
  } catch (err) {
    return { reason: `cannot make a memory cgroup: ${(err as Error).message}` };
  }
  try {
    await writeFile(join(where.dir, where.limitFile), String(limit));
  } catch (err) {
    await rmdir(where.dir).catch(() => {});
    return { reason: `cannot set a memory cgroup's limit: ${(err as Error).message}` };
  }
  const read = (file: string) => readFileSync(join(where.dir, file), 'utf8');
  return {
    limit,
    wrap: (command, args) => ({
      command: 'sh',
      args: ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', where.dir, command, ...args],
    }),
    peak: () => Number(read(where.peakFile).trim()),
    oomKills: () => Number(/^oom_kill (\d+)/m.exec(read(where.eventsFile))?.[1] ?? 0),
    async remove() {
      // The kernel lets a cgroup go only once its last process has been reaped.
      for (let i = 0; i < 50; i++) {
        try {
          await rmdir(where.dir);
          return;
        } catch {
          await sleep(100);
        }
      }
    },
  };
}
