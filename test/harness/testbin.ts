// Where the real test binaries live (built by test/testbin/build.sh from pinned Go modules), and what a
// test does when one is missing: under CI it is a failure with a clear message; elsewhere the suite
// skips and says why.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type BinaryName =
  | 'helm'
  | 'etcd'
  | 'kube-apiserver'
  | 'kubectl'
  | 'telemetrygen'
  | 'otelcol'
  | 'otelcol-tail';

const versionsFile = new URL('../testbin/versions.env', import.meta.url);

function readVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(versionsFile, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(\S+)/.exec(line);
    if (m?.[1] && m[2]) out[m[1]] = m[2];
  }
  return out;
}

const folderOf: Record<BinaryName, [folder: string, versionKey: string, recipeKey?: string]> = {
  helm: ['helm', 'HELM_VERSION'],
  etcd: ['etcd', 'ETCD_VERSION'],
  'kube-apiserver': ['kubernetes', 'KUBERNETES_VERSION'],
  kubectl: ['kubernetes', 'KUBERNETES_VERSION'],
  telemetrygen: ['telemetrygen', 'TELEMETRYGEN_VERSION'],
  otelcol: ['otelcol', 'OTELCOL_VERSION', 'OTELCOL_RECIPE'],
  'otelcol-tail': ['otelcol-tail', 'OTELCOL_TAIL_VERSION'],
};

function testbinDir(): string {
  return (
    process.env.KODER_TESTBIN_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'koder-trace', 'testbin')
  );
}

/** The path a binary has (or would have) in the cache. */
export function binaryPath(name: BinaryName): string {
  const [folder, key, recipeKey] = folderOf[name];
  const versions = readVersions();
  const version = versions[key];
  if (!version) throw new Error(`test/testbin/versions.env has no ${key}`);
  const recipe = recipeKey ? `-${versions[recipeKey]}` : '';
  return join(testbinDir(), `${folder}-${version}${recipe}`, name);
}

export type Availability = { ok: true; reason: '' } | { ok: false; reason: string };

/**
 * Checks that the named binaries are built. Under CI a missing one throws (the suite fails loudly);
 * elsewhere it returns the reason, for `describe.skipIf(!bins.ok)` with the reason in the title.
 */
export function requireBinaries(...names: BinaryName[]): Availability {
  const missing = names.filter((n) => !existsSync(binaryPath(n)));
  if (missing.length === 0) return { ok: true, reason: '' };
  return unavailable(
    `test binaries missing: ${missing.map((n) => `${n} (${binaryPath(n)})`).join(', ')}; ` +
      'build them with test/testbin/build.sh (make test does this)',
  );
}

/** Something a suite needs is missing: under CI that throws; elsewhere it warns and gives the reason. */
export function unavailable(reason: string): Availability {
  if (process.env.CI === 'true') throw new Error(reason);
  console.warn(`[skip] ${reason}`);
  return { ok: false, reason };
}

/** A suite title that carries the skip reason, so the reporter shows why a suite did not run. */
export function suiteTitle(title: string, availability: Availability): string {
  return availability.ok ? title : `${title} — skipped: ${availability.reason}`;
}
