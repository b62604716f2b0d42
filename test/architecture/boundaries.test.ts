// Each workspace reaches another only through its package `exports` (the few pieces meant to be shared),
// never into its files: a rename inside one program must not silently change another.

import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportsOf, files, root, specifiers, workspaceOf } from './source-graph.ts';

describe('workspace boundaries', () => {
  it('no relative import reaches into another workspace', () => {
    const crossings = files.flatMap((file) =>
      specifiers(file)
        .filter((s) => s.startsWith('.'))
        .map((s) => relative(root, resolve(dirname(join(root, file)), s)))
        .filter((target) => workspaceOf(target) !== workspaceOf(file))
        .map((target) => `${file} → ${target}`),
    );
    expect(crossings).toEqual([]);
  });

  it('package imports name only published entry points, and each workspace declares what it uses', () => {
    const problems: string[] = [];
    for (const file of files) {
      const ws = workspaceOf(file) as string;
      const declared = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      for (const s of specifiers(file)) {
        const m = /^@koder-trace\/([^/]+)(\/.*)?$/.exec(s);
        if (!m) continue;
        const [, target, sub] = m;
        if (!exportsOf(target as string)[`.${sub ?? ''}`]) problems.push(`${file}: ${s} is not exported`);
        const name = `@koder-trace/${target}`;
        if (!declared.dependencies?.[name] && !declared.devDependencies?.[name])
          problems.push(`${file}: ${name} is not a dependency of ${ws}/package.json`);
      }
    }
    expect(problems).toEqual([]);
  });
});
