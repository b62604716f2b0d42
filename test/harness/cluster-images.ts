// The images scripts/build-images.sh builds (make images; make cluster adds the test images), read from
// its output folder: one docker-archive per image and images.txt naming each with its digest.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Availability, unavailable } from './testbin.ts';

export type ImageName = 'ingester' | 'operator' | 'query' | 'demo-app' | 'otelcol' | 'pause';
export const productImages: ImageName[] = ['ingester', 'operator', 'query'];
export const testImages: ImageName[] = ['demo-app', 'otelcol', 'pause'];

export interface BuiltImage {
  name: ImageName;
  /** As the chart and the kubelet name it, e.g. koder-trace/ingester:0.1.0. */
  reference: string;
  repository: string;
  tag: string;
  /** The OCI manifest's digest. */
  digest: string;
  /** The docker-archive tarball (for `ctr images import`, `docker load`, `skopeo copy`). */
  archive: string;
}

export function imagesDir(): string {
  return (
    process.env.KODER_IMAGES_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'koder-trace', 'images')
  );
}

/** The images built so far, by name. */
export function builtImages(): Partial<Record<ImageName, BuiltImage>> {
  const file = join(imagesDir(), 'images.txt');
  if (!existsSync(file)) return {};
  const out: Partial<Record<ImageName, BuiltImage>> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, reference, digest, archive] = line.split(' ');
    if (!name || !reference || !digest || !archive || !existsSync(archive)) continue;
    const at = reference.lastIndexOf(':');
    out[name as ImageName] = {
      name: name as ImageName,
      reference,
      repository: reference.slice(0, at),
      tag: reference.slice(at + 1),
      digest,
      archive,
    };
  }
  return out;
}

/** Checks that the named images are built (skip elsewhere, fail under CI, like requireBinaries). */
export function requireImages(...names: ImageName[]): Availability {
  const built = builtImages();
  const missing = names.filter((n) => !built[n]);
  if (missing.length === 0) return { ok: true, reason: '' };
  return unavailable(
    `images not built: ${missing.join(', ')} (in ${imagesDir()}); ` +
      `build them with scripts/build-images.sh ${missing.some((m) => testImages.includes(m)) ? 'all' : 'product'} (make cluster does this)`,
  );
}

/** Image config and layers of a docker-archive, read with tar. */
export interface ArchiveImage {
  config: {
    config: {
      Entrypoint?: string[];
      Cmd?: string[];
      User?: string;
      WorkingDir?: string;
      Env?: string[];
      ExposedPorts?: Record<string, object>;
    };
    created?: string;
  };
  repoTags: string[];
  /** Every path in the image (all layers), without a leading "./"; directories end with "/". */
  paths: Set<string>;
  /** Symbolic links: path -> target. */
  links: Map<string, string>;
}

export function readArchive(archive: string): ArchiveImage {
  const read = (member: string) => execFileSync('tar', ['-xOf', archive, member], { maxBuffer: 1 << 30 });
  const [manifest] = JSON.parse(read('manifest.json').toString()) as {
    Config: string;
    RepoTags: string[];
    Layers: string[];
  }[];
  if (!manifest) throw new Error(`${archive}: empty manifest.json`);
  const config = JSON.parse(read(manifest.Config).toString()) as ArchiveImage['config'];
  const paths = new Set<string>();
  const links = new Map<string, string>();
  for (const layer of manifest.Layers) {
    const listing = execFileSync('tar', ['-tvf', '-'], { input: read(layer), maxBuffer: 1 << 30 })
      .toString()
      .split('\n');
    for (const line of listing) {
      // drwxr-xr-x 0/0 0 1970-01-01 00:00 app/query/  |  lrwxrwxrwx 0/0 0 1970-01-01 00:00 a -> b
      const m = /^(\S)\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+(.+)$/.exec(line);
      if (!m?.[1] || !m[2]) continue;
      let path = m[2].replace(/^\.\//, '');
      if (m[1] === 'l') {
        const [from, to] = path.split(' -> ') as [string, string];
        links.set(from, to);
        path = from;
      }
      paths.add(path);
    }
  }
  return { config, repoTags: manifest.RepoTags, paths, links };
}
