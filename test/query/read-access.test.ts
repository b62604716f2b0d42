// Read access apart from ingest access, as `make run MANIFESTS=dir` loads it through the operator's
// compile step: a TraceTenant with a read token (a Secret the user made) and its ingest token made
// write-only. Spans sent by the stock OTel SDK with the ingest token are stored; only the read token
// reads them back; the read token cannot send.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentSpans } from '@koder-trace/ingester/testing';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../harness/local-stack.ts';
import { exportSpans, sdkExporter } from '../harness/otel-sdk.ts';
import { until } from '../harness/wait.ts';

const DOCS = [
  {
    apiVersion: 'trace.koder.dev/v1alpha1',
    kind: 'TraceTenant',
    metadata: { name: 'audited', namespace: 'team-c' },
    spec: { read: { tokenSecrets: ['auditors'], ingestTokenReads: false } },
  },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'audited-token', namespace: 'team-c' },
    stringData: { token: 'ingest-c' },
  },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'auditors', namespace: 'team-c' },
    stringData: { token: 'read-c' },
  },
  // An ordinary tenant beside it: its ingest token reads, as before.
  {
    apiVersion: 'trace.koder.dev/v1alpha1',
    kind: 'TraceTenant',
    metadata: { name: 'plain', namespace: 'team-d' },
    spec: {},
  },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'plain-token', namespace: 'team-d' },
    stringData: { token: 'ingest-d' },
  },
];

describe('read tokens and write-only ingest tokens (make run with manifests)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'koder-read-access-'));
    await writeFile(join(dir, 'tenants.yaml'), DOCS.map((d) => yaml.dump(d)).join('---\n'));
    stack = await startLocalStack({ manifests: dir });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const endpoint = () => ({ grpc: stack.otlpGrpc, http: stack.otlpHttp });

  it('stores what the ingest token sends, and only the read token reads it', async () => {
    expect(
      await exportSpans(sdkExporter('http/protobuf', endpoint(), 'ingest-c'), await agentSpans('c-agent')),
    ).toEqual({
      ok: true,
    });
    await until(
      'stored',
      async () => (await stack.get('/api/v1/traces', 'read-c')).body.traces?.length === 1,
    );
    const byIngest = await stack.get('/api/v1/traces', 'ingest-c');
    expect(byIngest.status).toBe(401);
  });

  it('refuses spans sent with the read token', async () => {
    const sent = await exportSpans(
      sdkExporter('http/protobuf', endpoint(), 'read-c'),
      await agentSpans('c-agent'),
    );
    expect(sent.ok).toBe(false);
    expect(sent.error).toMatch(/401|Unauthorized|bearer/i);
  });

  it('leaves an ordinary tenant as it was: its ingest token reads, and not the other tenant', async () => {
    expect(
      await exportSpans(sdkExporter('grpc', endpoint(), 'ingest-d'), await agentSpans('d-agent')),
    ).toEqual({ ok: true });
    await until(
      'stored',
      async () => (await stack.get('/api/v1/traces', 'ingest-d')).body.traces?.length === 1,
    );
    expect((await stack.get('/api/v1/traces', 'read-c')).body.traces).toHaveLength(1); // team-c's only
  });
});
