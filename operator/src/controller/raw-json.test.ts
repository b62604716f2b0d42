// Plain JSON requests against a stand-in API server: writes whose answer is not parsed, and answers
// that fail a request (an error status, a body that is not JSON) rather than the process.
import { afterEach, expect, it } from 'vitest';
import { ApiError, rawJson, rawWrite } from './raw-json.ts';
import { closeStandIns, standInApi } from './stand-in-api.ts';

afterEach(closeStandIns);

it('sends a write as JSON and does not parse the answer', async () => {
  const got: { method?: string; type?: string; body: string }[] = [];
  const kc = await standInApi((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      got.push({ method: req.method, type: req.headers['content-type'], body });
      // Not JSON: a parse of it would fail the write.
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"kind":"Secret", cut off');
    });
  });
  await rawWrite(kc, 'PATCH', '/x/status', { status: { ready: true } }, 'application/merge-patch+json');
  expect(got).toEqual([
    { method: 'PATCH', type: 'application/merge-patch+json', body: '{"status":{"ready":true}}' },
  ]);
});

it('fails a write the API server refuses, with its code and answer', async () => {
  const kc = await standInApi((_req, res) => {
    res.writeHead(422, { 'content-type': 'application/json' }).end('{"kind":"Status","message":"too big"}');
  });
  const err = await rawWrite(kc, 'POST', '/api/v1/namespaces/a/secrets', {}).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe(422);
  expect((err as ApiError).message).toContain('too big');
});

it('fails a read whose answer is not JSON, without throwing past the request', async () => {
  const kc = await standInApi((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('<html>proxy error</html>');
  });
  await expect(rawJson(kc, 'GET', '/api/v1/secrets')).rejects.toThrow(
    /answered GET \/api\/v1\/secrets with a body that is not JSON/,
  );
});
