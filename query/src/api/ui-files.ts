// Serves the built trace UI (query/ui/dist): its assets under /assets/ and the page for every other
// path, so links such as /traces/<id>?span=<id> open the right view. The UI is built by `make ui`.
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UI_DIST = fileURLToPath(new URL('../../ui/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.html': 'text/html; charset=utf-8',
};
const ASSET = /^\/assets\/[\w.-]+$/;

export async function serveUi(path: string, res: ServerResponse, dist = UI_DIST): Promise<void> {
  const file = ASSET.test(path) ? join(dist, path) : join(dist, 'index.html');
  try {
    const body = await readFile(file);
    res
      .writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        // Asset names are not content-hashed: browsers revalidate instead of keeping stale copies.
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      })
      .end(body);
  } catch {
    if (ASSET.test(path)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no asset ${path}\n`);
    } else {
      res
        .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
        .end(
          'The trace UI is not built: run `make ui` (make run does it). The API is at /api/v1/openapi.json\n',
        );
    }
  }
}
