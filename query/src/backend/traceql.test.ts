import { describe, expect, it } from 'vitest';
import { BadRequest } from '../model/filter.ts';
import { traceql } from './traceql.ts';

describe('TraceQL from search filters', () => {
  it.each([
    [{ limit: 10 }, '{}'],
    // `service` is the root service, a trace-level intrinsic.
    [{ limit: 10, service: 'checkout' }, '{ rootServiceName = "checkout" }'],
    // error=true: any error span of the trace (status or error.type), in a spanset of its own.
    [
      { limit: 10, model: 'gpt-4o', error: true, minDurationMs: 1500 },
      '{ (span.gen_ai.response.model = "gpt-4o" || span.gen_ai.request.model = "gpt-4o") && traceDuration >= 1500ms } && { status = error || span.error.type != nil }',
    ],
    [{ limit: 10, error: true }, '{ status = error || span.error.type != nil }'],
    [{ limit: 10, minDurationMs: 0.5 }, '{ traceDuration >= 500000ns }'],
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
          ['ratio', '0.25'],
          ['flag', 'true'],
          ['odd key', 'x'],
          ['q"\\', 'x'],
        ] as [string, string][],
      },
      '{ .app.tier = "gold" && (.retries = "3" || .retries = 3) && (.ratio = "0.25" || .ratio = 0.25) && (.flag = "true" || .flag = true) && ."odd key" = "x" && ."q\\"\\\\" = "x" }',
    ],
    // Numbers that are not canonical, or do not fit Tempo's 64-bit integers, compare as text only.
    [
      {
        limit: 10,
        attributes: [
          ['n', '007'],
          ['big', '99999999999999999999'],
          ['max', '9223372036854775807'],
        ] as [string, string][],
      },
      '{ .n = "007" && .big = "99999999999999999999" && (.max = "9223372036854775807" || .max = 9223372036854775807) }',
    ],
    // Quotes, backslashes, newlines and control characters escaped as Go's strconv.Unquote reads them.
    [{ limit: 10, service: 'say "hi" \\ bye' }, '{ rootServiceName = "say \\"hi\\" \\\\ bye" }'],
    [{ limit: 10, name: 'a\nb\tc\u0001' }, '{ name = "a\\nb\\tc\\u0001" }'],
  ])('%j → %s', (filter, q) => {
    expect(traceql(filter)).toBe(q);
  });

  it('matches a user on every attribute read as the user id, the configured ones after the defaults', () => {
    expect(traceql({ limit: 10, userId: 'u-1' })).toBe('{ (.user.id = "u-1" || .enduser.id = "u-1") }');
    expect(traceql({ limit: 10, userId: 'u-1' }, ['user.id', 'enduser.id', 'app.user_email'])).toBe(
      '{ (.user.id = "u-1" || .enduser.id = "u-1" || .app.user_email = "u-1") }',
    );
  });

  it('refuses what Tempo cannot answer yet, saying so', () => {
    expect(() => traceql({ limit: 1, minRating: 0.5 })).toThrow(BadRequest);
    expect(() => traceql({ limit: 1, error: false })).toThrow(/not available with the Tempo backend/);
    expect(() => traceql({ limit: 1, sort: 'cost' as never })).toThrow(/sort=cost: not available/);
    expect(() => traceql({ limit: 1, minDurationMs: 1e20 })).toThrow(/minDurationMs: at most 9223372036854/);
  });
});
