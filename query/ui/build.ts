// Builds the trace UI into query/ui/dist (served by the query service at /): one bundle of Preact
// components, the CSS next to it, and the page. No CDN at run time; `make ui` runs this.
//   node query/ui/build.ts [--watch]
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const watch = process.argv.includes('--watch');
// A one-off build goes to its own folder and is swapped in whole, so a query service (or a test
// suite) reading dist never sees it half written or gone; watch mode writes in place.
const out = watch ? dist : `${dist}.building-${process.pid}`;

await rm(out, { recursive: true, force: true });
await mkdir(join(out, 'assets'), { recursive: true });
await copyFile(join(here, 'index.html'), join(out, 'index.html'));
const options: esbuild.BuildOptions = {
  entryPoints: { app: join(here, 'src/main.tsx') },
  outdir: join(out, 'assets'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: !watch,
  sourcemap: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  // @tanstack/react-virtual runs on Preact's React compatibility layer.
  alias: { react: 'preact/compat', 'react-dom': 'preact/compat' },
  logLevel: 'warning',
};
if (watch) {
  await (await esbuild.context(options)).watch();
  console.log('[ui] watching query/ui/src');
} else {
  const result = await esbuild.build({ ...options, metafile: true });
  const old = `${dist}.old-${process.pid}`;
  await rename(dist, old).catch(() => undefined); // no dist yet on a first build
  await rename(out, dist);
  await rm(old, { recursive: true, force: true });
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`[ui] built query/ui/dist (${(bytes / 1024).toFixed(0)} KiB with source maps)`);
}
