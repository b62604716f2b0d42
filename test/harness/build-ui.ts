// Vitest global setup of the integration project: builds the trace UI (query/ui/dist) once, before any
// suite starts, so the suites that serve it test these sources (make test relies on this too).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function buildUi(): void {
  const script = fileURLToPath(new URL('../../query/ui/build.ts', import.meta.url));
  const build = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(
      `node query/ui/build.ts failed (${build.error?.message ?? `exit ${build.status ?? build.signal}`}):\n${build.stderr}`,
    );
  }
}
