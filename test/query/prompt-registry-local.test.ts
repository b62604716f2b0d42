// One-machine mode (`make run`): a TraceTenant manifest with spec.promptRegistry makes ratings given
// through the query API reach the registry, signed with the secret from the manifests' Secret.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySignature } from '@koder-trace/ingester/registry-webhook';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../harness/local-stack.ts';
import { type RegistryReceiver, startRegistryReceiver } from '../harness/registry-receiver.ts';
import { until } from '../harness/wait.ts';

const TOKEN = 'kt_local_registry_token';
const SECRET = 'whsec-local-secret';

describe('make run: ratings through the API reach the prompt registry', () => {
  let dir: string;
  let receiver: RegistryReceiver;
  let stack: LocalStack;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'koder-registry-local-'));
    receiver = await startRegistryReceiver();
    const docs = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'support-token' }, stringData: { token: TOKEN } },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'prompt-hub' },
        data: { signing: Buffer.from(SECRET).toString('base64') },
      },
      {
        apiVersion: 'trace.koder.dev/v1alpha1',
        kind: 'TraceTenant',
        metadata: { name: 'support' },
        spec: {
          credentials: { secretName: 'support-token' },
          promptRegistry: { url: receiver.url, signingSecretRef: { name: 'prompt-hub', key: 'signing' } },
        },
      },
    ];
    await writeFile(join(dir, 'tenants.yaml'), docs.map((d) => yaml.dump(d)).join('---\n'));
    stack = await startLocalStack({ manifests: dir });
  });
  afterAll(async () => {
    await stack?.stop();
    await receiver?.down();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers an API rating with the rated span, its prompt id and version, score and comment', async () => {
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'support-bot' } }] },
          scopeSpans: [
            {
              scope: { name: 'agent' },
              spans: [
                {
                  traceId,
                  spanId,
                  name: 'chat gpt-4o',
                  kind: 3,
                  startTimeUnixNano: String(now - 1_000_000_000n),
                  endTimeUnixNano: String(now),
                  attributes: [
                    { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                    { key: 'koder.prompt.id', value: { stringValue: 'answer-ticket' } },
                    { key: 'koder.prompt.version', value: { stringValue: '12' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const auth = { authorization: `Bearer ${TOKEN}` };
    const sent = await fetch(`${stack.otlpHttp}/v1/traces`, {
      method: 'POST',
      body: JSON.stringify(span),
      headers: { 'content-type': 'application/json', ...auth },
    });
    expect(sent.status).toBe(200);
    await until(
      'the span to be stored',
      async () => (await stack.get(`/api/v1/traces/${traceId}`, TOKEN)).status === 200,
    );

    const rated = await fetch(`${stack.queryUrl}/api/v1/ratings`, {
      method: 'POST',
      body: JSON.stringify({ traceId, spanId, score: 0.9, comment: 'exactly right' }),
      headers: { 'content-type': 'application/json', ...auth },
    });
    expect(rated.ok).toBe(true);

    const got = await until('the delivery', () => receiver.received[0]);
    expect(
      verifySignature(SECRET, got.headers['x-koder-signature'] as string, got.body, Date.now() / 1000),
    ).toBe(true);
    expect(JSON.parse(got.body)).toMatchObject({
      type: 'koder.rating',
      tenant: 'support',
      trace_id: traceId,
      span_id: spanId,
      prompt_id: 'answer-ticket',
      prompt_version: '12',
      score: 0.9,
      comment: 'exactly right',
    });
    const metrics = await (await fetch(`${stack.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/koder_ingester_registry_deliveries_total\{tenant="support"\} 1/);
  });
});
