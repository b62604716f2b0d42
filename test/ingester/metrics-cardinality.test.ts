// The real ingester under a flood of invented service names: /metrics stays small, usage totals stay
// exact (the excess counted under `other`), and the admin port asks for its token (probes excepted),
// both following a config reload.

import { sha256Hex } from '@koder-trace/ingester/tenants';
import { agentSpans, sdkProtobuf } from '@koder-trace/ingester/testing';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { until } from '../harness/wait.ts';

const SERVICES = 5000;
const PER_REQUEST = 500;
const LIMIT = 50;

// One agent trace (4 spans: 2 chat with model gpt-4o, 1 error, 1 root, 1200 input tokens), repeated
// under a different service.name per copy; the SDK serializer groups spans by resource.
const trace = await agentSpans();
const asService = (name: string): ReadableSpan[] => {
  const resource = resourceFromAttributes({ 'service.name': name });
  return trace.map((s) => Object.create(s, { resource: { value: resource } }) as ReadableSpan);
};
function requests(prefix: string, from: number, to: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = from; i < to; i += PER_REQUEST) {
    const spans: ReadableSpan[] = [];
    for (let j = i; j < Math.min(to, i + PER_REQUEST); j++) spans.push(...asService(`${prefix}-${j}`));
    out.push(sdkProtobuf(spans));
  }
  return out;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
/** Prometheus text format → samples (label values here hold no quotes or commas). */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}
const sum = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s
    .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
    .reduce((n, x) => n + x.value, 0);

describe('ingester metrics under client-invented label values', () => {
  let ing: RunningIngester;
  const config = (adminToken: string, maxLabelValues: number) => ({
    auth: 'none',
    exporter: { kind: 'none' },
    metrics: { maxLabelValues },
    admin: { tokenSha256: [sha256Hex(adminToken)] },
    defaultLimits: { spansPerSecond: 1_000_000, burst: 1_000_000 },
  });
  const scrape = async (token = 'admin-one') => {
    const res = await fetch(`${ing.adminUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return res.text();
  };
  const send = async (body: Buffer) => {
    const res = await fetch(`${ing.httpUrl}/v1/traces`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    ing = await startIngesterProcess(config('admin-one', LIMIT));
  });
  afterAll(async () => {
    await ing?.stop();
  });

  it('asks for the admin token on /metrics and unknown paths, never on the probes', async () => {
    expect((await fetch(`${ing.adminUrl}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${ing.adminUrl}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${ing.adminUrl}/anything`)).status).toBe(401);
    expect((await fetch(`${ing.adminUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${ing.adminUrl}/readyz`)).status).toBe(200);
    expect(await scrape()).toContain('koder_ingester_config_valid 1');
  });

  it(`keeps ${LIMIT} service names per tenant and counts the other ${SERVICES - LIMIT} exactly as other`, async () => {
    for (const body of requests('svc', 0, SERVICES)) await send(body);
    const text = await scrape();
    const samples = parse(text);
    const usage = samples.filter((s) => s.name === 'koder_usage_spans_total');

    const services = new Set(usage.map((s) => s.labels.service));
    expect(services.size).toBe(LIMIT + 1);
    expect(services).toContain('other');
    // Two series per service (GenAI chat spans with model and prompt version; the rest with neither).
    expect(usage.length).toBeLessThanOrEqual(2 * (LIMIT + 1));
    expect(text.length).toBeLessThan(128 * 1024);

    expect(sum(samples, 'koder_usage_spans_total')).toBe(4 * SERVICES);
    expect(sum(samples, 'koder_usage_spans_total', { service: 'other' })).toBe(4 * (SERVICES - LIMIT));
    expect(sum(samples, 'koder_usage_spans_total', { service: 'svc-0' })).toBe(4);
    expect(sum(samples, 'koder_usage_traces_total')).toBe(SERVICES);
    expect(sum(samples, 'koder_usage_errors_total')).toBe(SERVICES);
    expect(sum(samples, 'koder_usage_tokens_total', { type: 'input' })).toBe(1200 * SERVICES);
    expect(
      sum(samples, 'koder_usage_label_values_overflowed_total', { tenant: 'default', label: 'service' }),
    ).toBe(4 * (SERVICES - LIMIT));
    expect(sum(samples, 'koder_ingester_spans_received_total')).toBe(4 * SERVICES);
  });

  it('takes a new admin token and a new limit on reload', async () => {
    await ing.writeConfig(config('admin-two', LIMIT + 10));
    await until('the new admin token to be accepted', async () => {
      const res = await fetch(`${ing.adminUrl}/metrics`, { headers: { authorization: 'Bearer admin-two' } });
      return res.status === 200;
    });
    const old = await fetch(`${ing.adminUrl}/metrics`, { headers: { authorization: 'Bearer admin-one' } });
    expect(old.status).toBe(401);

    for (const body of requests('more', 0, 100)) await send(body);
    const samples = parse(await scrape('admin-two'));
    const services = new Set(
      samples.filter((s) => s.name === 'koder_usage_spans_total').map((s) => s.labels.service),
    );
    expect(services.size).toBe(LIMIT + 10 + 1);
    for (let i = 0; i < 10; i++) expect(services).toContain(`more-${i}`);
    expect(services).not.toContain('more-10');
    expect(sum(samples, 'koder_usage_spans_total')).toBe(4 * (SERVICES + 100));
  });
});
