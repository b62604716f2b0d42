import { describe, expect, it } from 'vitest';
import { genAiOf, inputPreview, oneLine, outputPreview, PREVIEW_CHARS, tracePreview } from './preview.ts';

const user = (text: string) => ({ role: 'user', parts: [{ type: 'text', content: text }] });
const assistant = (text: string) => ({ role: 'assistant', parts: [{ type: 'text', content: text }] });

describe('previews', () => {
  it("reads the call's last user message and the answer's text parts", () => {
    expect(
      inputPreview([
        { role: 'system', parts: [{ type: 'text', content: 'be brief' }] },
        user('hi'),
        user('Where is my order?'),
      ]),
    ).toBe('Where is my order?');
    expect(
      outputPreview([
        {
          role: 'assistant',
          parts: [
            { type: 'tool_call', name: 'lookup' },
            { type: 'text', content: 'On its way.' },
          ],
        },
      ]),
    ).toBe('On its way.');
  });

  it('reads older shapes: plain content, JSON text, or text that is not JSON', () => {
    expect(inputPreview([{ role: 'user', content: 'plain  content\n here' }])).toBe('plain content here');
    expect(inputPreview(JSON.stringify([user('from JSON text')]))).toBe('from JSON text');
    expect(outputPreview('just words')).toBe('just words');
    expect(inputPreview(undefined)).toBeNull();
    expect(outputPreview([])).toBeNull();
  });

  it('cuts long text to one short line', () => {
    const long = oneLine('x'.repeat(5000)) as string;
    expect(long).toHaveLength(PREVIEW_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });

  it("takes a trace's input from its earliest span and its output from its latest", () => {
    const view = (inp: string | null, out: string | null) =>
      `"spanId":"1","genAi":${JSON.stringify({
        ...(inp ? { inputMessages: [user(inp)] } : {}),
        ...(out ? { outputMessages: [assistant(out)] } : {}),
      })}`;
    const spans = [
      { start_ns: 20n, end_ns: 90n, view: view('second question', 'final answer') },
      { start_ns: 10n, end_ns: 30n, view: view('first question', 'first answer') },
      { start_ns: 5n, end_ns: 95n, view: null }, // the agent span: no messages
      { start_ns: 40n, end_ns: 50n, view: view(null, null) },
    ];
    expect(tracePreview(spans)).toEqual({ input: 'first question', output: 'final answer' });
    expect(genAiOf('not json')).toBeUndefined();
  });
});
