// The images scripts/build-images.sh makes without a container engine have what the Dockerfile
// gives users who have one: the same entrypoints, user, working directory, ports and environment, and
// the same files — each COPY of the runtime stage is checked against the archive's layers (sources as
// the build context gives them after .dockerignore, production node_modules only, the built UI), and
// Node 24 where node:24-slim has it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type ArchiveImage,
  builtImages,
  productImages,
  readArchive,
  requireImages,
} from '../harness/cluster-images.ts';
import { suiteTitle } from '../harness/testbin.ts';

const repo = (p = '') => fileURLToPath(new URL(`../../${p}`, import.meta.url));

interface Stage {
  name: string;
  from: string;
  workdir?: string;
  user?: string;
  env: string[];
  entrypoint?: string[];
  expose: string[];
  copies: { from?: string; sources: string[]; dest: string }[];
}

/** The Dockerfile's stages, with the instructions this test compares. */
function parseDockerfile(text: string): Map<string, Stage> {
  const stages = new Map<string, Stage>();
  let current: Stage | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [instruction = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    switch (instruction.toUpperCase()) {
      case 'FROM': {
        const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
        if (!m?.[1]) throw new Error(`unreadable FROM: ${line}`);
        const parent = stages.get(m[1]);
        current = {
          name: m[2] ?? m[1],
          from: m[1],
          workdir: parent?.workdir,
          user: parent?.user,
          env: [...(parent?.env ?? [])],
          entrypoint: parent?.entrypoint,
          expose: [...(parent?.expose ?? [])],
          copies: [...(parent?.copies ?? [])],
        };
        stages.set(current.name, current);
        break;
      }
      case 'WORKDIR':
        if (current) current.workdir = args;
        break;
      case 'USER':
        if (current) current.user = args;
        break;
      case 'ENV':
        current?.env.push(args.replace(/\s+/, '='));
        break;
      case 'EXPOSE':
        current?.expose.push(...rest.map((p) => (p.includes('/') ? p : `${p}/tcp`)));
        break;
      case 'ENTRYPOINT':
        if (current) current.entrypoint = JSON.parse(args) as string[];
        break;
      case 'COPY': {
        const from = rest.find((a) => a.startsWith('--from='))?.slice('--from='.length);
        const paths = rest.filter((a) => !a.startsWith('--'));
        const dest = paths.pop() ?? '';
        current?.copies.push({ from, sources: paths, dest });
        break;
      }
    }
  }
  return stages;
}

/** A matcher for .dockerignore patterns (`*`, `**`, `!` exceptions; a match covers what is under it). */
function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .split('/')
        .map((part) =>
          part === '**'
            ? '.*'
            : part
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?');
      return { negate, re: new RegExp(`^${source}(?:/.*)?$`) };
    });
  return (path) => {
    let ignored = false;
    for (const r of rules) if (r.re.test(path)) ignored = !r.negate;
    return ignored;
  };
}

const resolveDest = (dest: string, workdir = '/') =>
  (dest.startsWith('/') ? dest : `${workdir.replace(/\/$/, '')}/${dest.replace(/^\.\//, '')}`)
    .replace(/^\//, '')
    .replace(/\/$/, '');

const stages = parseDockerfile(readFileSync(repo('Dockerfile'), 'utf8'));
const ignored = dockerignore(readFileSync(repo('.dockerignore'), 'utf8'));
const tracked = execFileSync('git', ['ls-files', '-c'], { cwd: repo() })
  .toString()
  .split('\n')
  .filter((f) => f && existsSync(repo(f)));

const available = requireImages(...productImages);

describe.skipIf(!available.ok)(
  suiteTitle('images built without an engine match the Dockerfile', available),
  () => {
    const images = builtImages();
    const read = new Map<string, ArchiveImage>();
    const image = (name: 'ingester' | 'operator' | 'query') => {
      const archive = images[name]?.archive as string;
      if (!read.has(name)) read.set(name, readArchive(archive));
      return read.get(name) as ArchiveImage;
    };

    it.each(productImages as ('ingester' | 'operator' | 'query')[])(
      '%s: entrypoint, user, working directory, ports and environment as the Dockerfile target',
      (name) => {
        const target = stages.get(name);
        expect(target, `Dockerfile target ${name}`).toBeDefined();
        const { config } = image(name).config;
        expect(config.Entrypoint).toEqual(target?.entrypoint);
        expect(config.User).toBe(target?.user);
        expect(config.WorkingDir).toBe(target?.workdir);
        expect(Object.keys(config.ExposedPorts ?? {}).sort()).toEqual([...(target?.expose ?? [])].sort());
        for (const env of target?.env ?? []) expect(config.Env).toContain(env);
        // node:24-slim has node at /usr/local/bin/node, on PATH.
        expect(image(name).paths.has('usr/local/bin/node')).toBe(true);
        expect(config.Env?.find((e) => e.startsWith('PATH='))).toContain('/usr/local/bin');
        // The entrypoint's script is in the image, relative to the working directory.
        const script = target?.entrypoint?.[1] as string;
        expect(image(name).paths.has(resolveDest(script, target?.workdir))).toBe(true);
        expect(images[name]?.reference).toBe(`koder-trace/${name}:${images[name]?.tag}`);
        expect(image(name).repoTags).toContain(`docker.io/koder-trace/${name}:${images[name]?.tag}`);
      },
    );

    it('every COPY of the runtime stage: the same files at the same places', () => {
      const runtime = stages.get('runtime') as Stage;
      const { paths, links } = image('ingester');
      const copies = runtime.copies;
      expect(copies.length).toBeGreaterThan(5);
      for (const copy of copies) {
        const dest = resolveDest(copy.dest, runtime.workdir);
        if (copy.from === 'deps') {
          // Production dependencies of every workspace, no development ones, workspaces linked.
          const pkgs = ['ingester', 'operator', 'query', 'test'].map(
            (w) =>
              JSON.parse(readFileSync(repo(`${w}/package.json`), 'utf8')) as {
                dependencies?: Record<string, string>;
              },
          );
          const prod = new Set(pkgs.flatMap((p) => Object.keys(p.dependencies ?? {})));
          for (const dep of prod) {
            // Workspaces are links to their folders (checked below), not installed packages.
            const workspace = /^@koder-trace\/(.+)$/.exec(dep)?.[1];
            if (workspace) expect(links.get(`${dest}/${dep}`), dep).toBe(`../../${workspace}`);
            else expect(paths.has(`${dest}/${dep}/package.json`), dep).toBe(true);
          }
          for (const dev of ['vitest', 'typescript', '@biomejs/biome', 'esbuild', 'playwright-core']) {
            expect(paths.has(`${dest}/${dev}/`), `dev dependency ${dev}`).toBe(false);
          }
          expect(links.get(`${dest}/@koder-trace/ingester`)).toBe('../../ingester');
        } else if (copy.from === 'ui') {
          expect(paths.has(`${dest}/index.html`)).toBe(true);
          expect([...paths].some((p) => p.startsWith(`${dest}/assets/`) && p.endsWith('.js'))).toBe(true);
        } else {
          // From the build context: every tracked file .dockerignore lets through, and nothing it stops.
          for (const source of copy.sources) {
            const under = tracked.filter((f) => f === source || f.startsWith(`${source}/`));
            expect(under.length, `context files for ${source}`).toBeGreaterThan(0);
            const target = copy.sources.length === 1 && !copy.dest.endsWith('/') ? dest : `${dest}/${source}`;
            for (const f of under) {
              const inImage = `${target}${f.slice(source.length)}`;
              expect(paths.has(inImage), `${inImage} (${ignored(f) ? 'ignored' : 'copied'})`).toBe(
                !ignored(f),
              );
            }
          }
        }
      }
      const sourceTests = [...paths].filter((p) => p.endsWith('.test.ts') && !p.includes('/node_modules/'));
      expect(sourceTests).toEqual([]);
    });

    it('the three images share their layers; they differ only in configuration', () => {
      const files = (name: 'ingester' | 'operator' | 'query') => [...image(name).paths].sort();
      expect(files('operator')).toEqual(files('ingester'));
      expect(files('query')).toEqual(files('ingester'));
    });
  },
);

const tests = requireImages('demo-app', 'otelcol', 'pause');
describe.skipIf(!tests.ok)(suiteTitle('test images for the real-cluster suites', tests), () => {
  it.each([
    ['pause', 'pause'],
    ['otelcol', 'usr/local/bin/otelcol'],
    ['demo-app', 'app/demo-app.ts'],
  ] as const)('%s: its entrypoint is in the image', (name, path) => {
    const archive = readArchive(builtImages()[name]?.archive as string);
    expect(archive.paths.has(path)).toBe(true);
    const entry = archive.config.config.Entrypoint ?? [];
    expect(entry.length).toBeGreaterThan(0);
    if (name !== 'demo-app') expect(`/${path}`).toBe(entry[0]);
  });
});
