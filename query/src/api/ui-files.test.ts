import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveUi } from './ui-files.ts';

async function serve(dist: string) {
  const server = createServer(
    (req, res) => void serveUi(new URL(req.url ?? '/', 'http://x').pathname, res, dist),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { get: (p: string) => fetch(base + p), close: () => server.close() };
}

describe('UI files', () => {
  it('serves assets with their type, and the page for every view path', async () => {
    const dist = await mkdtemp(join(tmpdir(), 'koder-ui-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>Koder Trace</title>');
    await writeFile(join(dist, 'assets', 'app.js'), 'export {}');
    const s = await serve(dist);
    try {
      const js = await s.get('/assets/app.js');
      expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
      for (const view of ['/', '/traces/0123', '/prompts/support?range=7d'])
        expect(await (await s.get(view)).text()).toContain('<title>Koder Trace</title>');
      expect((await s.get('/assets/missing.js')).status).toBe(404);
      expect((await s.get('/assets/../index.html')).status).toBe(200); // normalised by URL: the page
    } finally {
      s.close();
    }
  });

  it('says how to build the UI when it is not built', async () => {
    const s = await serve(join(tmpdir(), 'koder-ui-never-built'));
    try {
      const res = await s.get('/');
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/run `make ui`/);
    } finally {
      s.close();
    }
  });
});
