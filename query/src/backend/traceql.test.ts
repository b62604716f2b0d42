import { describe, expect, it } from 'vitest';
import { BadRequest } from '../api/search-params.ts';
import { traceql } from './traceql.ts';

describe('TraceQL from search filters', () => {
  it.each([
    [{ limit: 10 }, '{}'],
    [{ limit: 10, service: 'checkout' }, '{ resource.service.name = "checkout" }'],
    [
      { limit: 10, model: 'gpt-4o', error: true, minDurationMs: 1500 },
      '{ (span.gen_ai.response.model = "gpt-4o" || span.gen_ai.request.model = "gpt-4o") && status = error && traceDuration >= 1500ms }',
    ],
    [
      {
        limit: 10,
        promptId: 'support',
        promptVersion: 'v3',
        conversationId: 'c-1',
        requestId: 'r-9',
        provider: 'openai',
        name: 'chat',
      },
      '{ name = "chat" && span.gen_ai.provider.name = "openai" && span.koder.prompt.id = "support" && span.koder.prompt.version = "v3" && span.gen_ai.conversation.id = "c-1" && span.koder.request_id = "r-9" }',
    ],
    [
      {
        limit: 10,
        attributes: [
          ['app.tier', 'gold'],
          ['retries', '3'],
          ['odd key', 'x'],
        ] as [string, string][],
      },
      '{ .app.tier = "gold" && (.retries = "3" || .retries = 3) && ."odd key" = "x" }',
    ],
    [{ limit: 10, service: 'say "hi" \\ bye' }, '{ resource.service.name = "say \\"hi\\" \\\\ bye" }'],
  ])('%j → %s', (filter, q) => {
    expect(traceql(filter)).toBe(q);
  });

  it('refuses what Tempo cannot answer yet, saying so', () => {
    expect(() => traceql({ limit: 1, minRating: 0.5 })).toThrow(BadRequest);
    expect(() => traceql({ limit: 1, error: false })).toThrow(/not available with the Tempo backend/);
    expect(() => traceql({ limit: 1, sort: 'cost' as never })).toThrow(/sort=cost: not available/);
  });
});
