// The docs must list every error a client can get and every metric the ingester exports.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from './errors.ts';
import { createMetrics } from './metrics.ts';

const doc = readFileSync(new URL('../../docs/ingester.md', import.meta.url), 'utf8');

describe('docs/ingester.md', () => {
  it.each(Object.entries(ERRORS))('documents error %s with its HTTP status', (code, spec) => {
    expect(doc).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${spec.http}\\s*\\|`));
  });

  it('documents every metric', async () => {
    const names = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    for (const name of names) expect(doc, name).toContain(`\`${name}\``);
  });

  it.each(['admin.tokenSha256', 'metrics.maxLabelValues'])('documents config key %s', (key) => {
    expect(doc).toMatch(new RegExp(`^\\|\\s*\`${key.replace('.', '\\.')}\`\\s*\\|`, 'm'));
  });
});
