// The ingester under a container's memory limit (a real memory cgroup, as a pod's): an unset budget is
// fitted to the limit, and a budget the limit cannot hold stops the start with a message saying what
// limit it needs. The overload test (test/reliability/overload.test.ts) runs at the smallest limit a
// budget asks for and checks nothing is OOM-killed.
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { createMemoryCgroup, type MemoryCgroup } from '../harness/memory-cgroup.ts';

const MiB = 1024 * 1024;
const probe = await createMemoryCgroup(512 * MiB);
const unavailable = 'reason' in probe ? probe.reason : undefined;
if (!('reason' in probe)) await probe.remove();
if (unavailable) console.warn(`[memory-limit] skipped: ${unavailable}`);

describe.skipIf(unavailable)('the ingester under a container memory limit', () => {
  let cgroup: MemoryCgroup | undefined;
  let ing: RunningIngester | undefined;
  afterEach(async () => {
    await ing?.stop();
    ing = undefined;
    await cgroup?.remove();
    cgroup = undefined;
  });
  const limited = async (limit: number) => {
    const made = await createMemoryCgroup(limit);
    if ('reason' in made) throw new Error(made.reason);
    cgroup = made;
    return made;
  };

  it('fits an unset budget to a 512 MiB limit', async () => {
    const { wrap } = await limited(512 * MiB);
    ing = await startIngesterProcess({ auth: 'none', exporter: { kind: 'none' } }, { wrap });
    expect(await ing.metric('koder_ingester_memory_budget_bytes')).toBe(102 * MiB);
  });

  it('keeps a budget the limit holds', async () => {
    const { wrap } = await limited(1024 * MiB);
    ing = await startIngesterProcess(
      { auth: 'none', exporter: { kind: 'none' }, memory: { maxBytes: 512 * MiB } },
      { wrap },
    );
    expect(await ing.metric('koder_ingester_memory_budget_bytes')).toBe(512 * MiB);
  });

  it('does not start with a budget the limit cannot hold, and says what limit it needs', async () => {
    const { wrap } = await limited(1024 * MiB);
    await expect(
      startIngesterProcess(
        { auth: 'none', exporter: { kind: 'none' }, memory: { maxBytes: 600 * MiB } },
        { wrap },
      ),
    ).rejects.toThrow(
      /exited \(code 1\)[\s\S]*memory.maxBytes of 600 MiB needs a container memory limit of at least 1134 MiB[\s\S]*container's limit is 1024 MiB/,
    );
  });

  it('does not start under a limit too small for the smallest budget', async () => {
    const { wrap } = await limited(400 * MiB);
    await expect(
      startIngesterProcess({ auth: 'none', exporter: { kind: 'none' } }, { wrap }),
    ).rejects.toThrow(/memory limit of 400 MiB is under the 404 MiB the ingester needs/);
  });
});
