// Content capture over every captured GenAI shape, end to end: the OTLP each real instrumentation
// library sent (test/fixtures/genai) goes into a real ingester under three tenants — content capture
// `full`, `metadata` and `none` — and what the ingester exports to storage is searched, bytes and all,
// for the text the scenarios and the fake provider put in prompts, answers, tool results, documents and
// embedded inputs. `full` keeps it (so the search can find it); the other two must leave none of it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTraceRequest } from '@koder-trace/ingester/otlp';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcCapture, startGrpcCapture } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { until } from '../harness/wait.ts';

const DIR = fileURLToPath(new URL('../fixtures/genai/', import.meta.url));
const FIXTURES = readdirSync(DIR).filter((f) => f.endsWith('.json'));

/** Text only content carries in the fixtures: the questions, system prompt, answers, tool results, documents. */
const CONTENT = [
  'weather in Paris', // the user's question
  'You answer weather questions', // the system prompt
  'sunny', // the fake provider's answer, the tool's result, the documents
  'rainy', // a document
];
const MODES = ['full', 'metadata', 'none'] as const;

describe('content capture over every captured GenAI shape', () => {
  let storage: GrpcCapture;
  let ing: RunningIngester;
  const sent = new Map<string, number>();
  beforeAll(async () => {
    storage = await startGrpcCapture();
    ing = await startIngesterProcess({
      tenants: MODES.map((mode) => ({
        id: mode,
        tokenSha256: [sha256Hex(`token-${mode}`)],
        contentCapture: mode,
        sampling: { defaultProbability: 1 },
      })),
      exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 5 },
    });
    for (const mode of MODES) {
      let spans = 0;
      for (const f of FIXTURES) {
        const { resourceSpans } = JSON.parse(readFileSync(join(DIR, f), 'utf8'));
        for (const rs of resourceSpans) for (const ss of rs.scopeSpans) spans += ss.spans.length;
        const res = await fetch(`${ing.httpUrl}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer token-${mode}` },
          body: JSON.stringify({ resourceSpans }),
        });
        expect(res.status, `${mode} ${f}`).toBe(200);
      }
      sent.set(mode, spans);
    }
    await until('every span exported', () => MODES.every((m) => exportedSpans(m) === sent.get(m)));
  });
  afterAll(async () => {
    await ing?.stop();
    await storage?.close();
  });

  const requestsOf = (mode: string) => storage.requests.filter((r) => r.orgId === mode).map((r) => r.bytes);
  function exportedSpans(mode: string): number {
    let n = 0;
    for (const bytes of requestsOf(mode))
      for (const rs of decodeTraceRequest(bytes).resourceSpans)
        for (const ss of rs.scopeSpans) n += ss.spans.length;
    return n;
  }
  const occurrences = (mode: string, text: string) =>
    requestsOf(mode).reduce((n, b) => n + (b.includes(Buffer.from(text)) ? 1 : 0), 0);

  it('full keeps the content, so the search below can find it', () => {
    expect(FIXTURES.length).toBeGreaterThan(20);
    for (const text of CONTENT) expect(occurrences('full', text), text).toBeGreaterThan(0);
  });

  for (const mode of ['metadata', 'none'] as const)
    it(`${mode} exports none of it, from any shape`, () => {
      expect(exportedSpans(mode)).toBe(sent.get(mode));
      for (const text of CONTENT) expect(occurrences(mode, text), text).toBe(0);
    });

  it('metadata keeps the messages\u2019 structure', () => {
    const roles = requestsOf('metadata').some((b) => b.includes(Buffer.from('"role":"user"')));
    expect(roles).toBe(true);
    expect(requestsOf('none').some((b) => b.includes(Buffer.from('gen_ai.input.messages')))).toBe(false);
  });
});
