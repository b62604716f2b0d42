// The sources' import graph, read statically (nothing is started), for the architecture tests.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');
const WORKSPACES = ['ingester', 'operator', 'query', 'test'] as const;

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f) && !f.includes('node_modules') && !f.includes('/dist/'))
    .map((f) => join(dir, f));
}

// Static `import … from '…'` / `export … from '…'` specifiers (type-only imports included: they are
// still arrows in the house).
export function specifiers(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms)].map((m) => m[1] as string);
}

export const workspaceOf = (file: string) => file.split('/')[0];

export function exportsOf(ws: string): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8')) as {
    exports?: Record<string, string>;
  };
  return pkg.exports ?? {};
}

export const files = WORKSPACES.flatMap((ws) => sources(ws));

// Module graph inside the product's workspaces: relative imports resolved to files.
export function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const file of files) {
    if (file.startsWith('test/') || /\.test\.tsx?$/.test(file)) continue;
    const deps = specifiers(file)
      .filter((s) => s.startsWith('.'))
      .map((s) => relative(root, resolve(dirname(join(root, file)), s)));
    g.set(file, deps);
  }
  return g;
}

// Tarjan's strongly connected components; every component with more than one file is a circle.
export function circles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}
