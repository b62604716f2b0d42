// `make run --user-attribute app.user_email`: spans naming their user in an attribute of the
// installation's own are found by the user filter and listed on the users page, as user.id would be.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalProcess, startLocalStack } from '../harness/local-stack.ts';
import { until } from '../harness/wait.ts';

const span = (userKey: string, user: string) => {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: randomBytes(16).toString('hex'),
                spanId: randomBytes(8).toString('hex'),
                name: 'checkout',
                kind: 2,
                startTimeUnixNano: String(now - 5_000_000n),
                endTimeUnixNano: String(now),
                attributes: [{ key: userKey, value: { stringValue: user } }],
              },
            ],
          },
        ],
      },
    ],
  };
};

describe('an installation-defined user attribute', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ args: ['--user-attribute', 'app.user_email'] });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('is read as the user id: the filter finds the traces and the users page lists the user', async () => {
    for (const body of [span('app.user_email', 'ada@example.com'), span('user.id', 'u-7')]) {
      const res = await fetch(`${stack.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
    }
    const found = await until('the trace of ada@example.com', async () => {
      const r = await stack.get('/api/v1/traces?userId=ada%40example.com');
      return r.body?.traces?.length === 1 ? r.body : undefined;
    });
    expect(found.traces[0].rootName).toBe('checkout');
    const users = await stack.get('/api/v1/users');
    expect(users.body.users.map((u: { userId: string }) => u.userId).sort()).toEqual([
      'ada@example.com',
      'u-7',
    ]);
  });

  it('refuses to start with a key that cannot be an attribute, naming the flag', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'koder-user-attr-'));
    const { proc } = await startLocalProcess('bad user attribute', dir, ['--user-attribute', 'has space']);
    await until('the process to exit', () => (proc.exitCode() !== undefined ? true : undefined), 30_000);
    expect(proc.exitCode()).toBe(2);
    // The log line is JSON: its quotes are escaped.
    expect(proc.tail()).toMatch(/--user-attribute: \\"has space\\" is not an attribute key/);
    await rm(dir, { recursive: true, force: true });
  });
});
