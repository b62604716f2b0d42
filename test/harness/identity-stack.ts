// `make run` serving tenants `shop` and `bank` (spec.read as given) behind a trusted proxy's identity
// headers (X-Forwarded-Email, X-Forwarded-Groups, believed from 127.0.0.1), with one agent trace
// stored for each tenant (root service `<tenant>-agent`).
import { agentSpans } from '@koder-trace/ingester/testing';
import { type LocalStack, startLocalStack } from './local-stack.ts';
import { exportSpans, sdkExporter } from './otel-sdk.ts';
import { tenantManifests } from './tenant-manifests.ts';
import { until } from './wait.ts';

export const IDENTITY_FLAGS = [
  '--identity-header',
  'X-Forwarded-Email',
  '--groups-header',
  'X-Forwarded-Groups',
  '--trusted-proxy',
  '127.0.0.1/32',
];
const TENANTS = ['shop', 'bank'];

export async function startIdentityStack(read: Record<string, Record<string, unknown>>): Promise<LocalStack> {
  const stack = await startLocalStack({
    manifests: await tenantManifests(TENANTS, read),
    args: IDENTITY_FLAGS,
  });
  const endpoint = { grpc: stack.otlpGrpc, http: stack.otlpHttp };
  for (const t of TENANTS) {
    const sent = await exportSpans(
      sdkExporter('http/protobuf', endpoint, `token-${t}`),
      await agentSpans(`${t}-agent`),
    );
    if (!sent.ok) throw new Error(`${t}: spans not accepted: ${JSON.stringify(sent)}`);
  }
  await until('a trace stored for each tenant', async () => {
    for (const t of TENANTS)
      if ((await stack.get('/api/v1/traces', `token-${t}`)).body.traces?.length !== 1) return undefined;
    return true;
  });
  return stack;
}
