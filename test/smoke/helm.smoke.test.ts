// Proves the real helm binary works on the repository's chart.
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../harness/process.ts';
import { binaryPath, requireBinaries, suiteTitle } from '../harness/testbin.ts';

const bins = requireBinaries('helm');
const chart = fileURLToPath(new URL('../../charts/koder-trace', import.meta.url));

describe.skipIf(!bins.ok)(suiteTitle('helm', bins), () => {
  it('lints the chart strictly', async () => {
    const res = await runCommand(binaryPath('helm'), ['lint', '--strict', chart]);
    expect(res.stdout + res.stderr).toContain('0 chart(s) failed');
    expect(res.code).toBe(0);
  });

  it('renders the chart with standard labels', async () => {
    const res = await runCommand(binaryPath('helm'), ['template', 'kt', chart, '--namespace', 'koder']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const docs = yaml.loadAll(res.stdout).filter(Boolean) as {
      kind: string;
      metadata: { labels: Record<string, string> };
    }[];
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      expect(doc.metadata.labels['app.kubernetes.io/instance']).toBe('kt');
      expect(doc.metadata.labels['app.kubernetes.io/part-of']).toBe('koder-trace');
    }
  });
});
