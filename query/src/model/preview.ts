// A trace's input/output preview for the trace table: what the user asked (the last user message
// given to the trace's first LLM call) and what came back (the output of its last LLM call), as one
// short line each — the same question and answer a session shows as the trace's turn.

/** Characters a preview keeps (cut ones end with …). */
export const PREVIEW_CHARS = 200;

type Message = { role?: unknown; content?: unknown; parts?: unknown };

/** Text parts of a message (OTel's `parts` with `content`, or an older plain `content`), in order. */
function textOf(m: Message): string {
  const out: string[] = [];
  const take = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const p of v) take(p);
    else if (v && typeof v === 'object') {
      const part = v as { type?: unknown; content?: unknown; text?: unknown };
      if (part.type === undefined || part.type === 'text') take(part.content ?? part.text);
    }
  };
  take(m.parts ?? m.content);
  return out.join(' ');
}

/** Messages as the span view holds them: an array, or the attribute's JSON text. */
function messages(v: unknown): Message[] {
  let x = v;
  if (typeof x === 'string') {
    try {
      x = JSON.parse(x);
    } catch {
      return [{ content: x }];
    }
  }
  return Array.isArray(x) ? (x.filter((m) => m && typeof m === 'object') as Message[]) : [];
}

/** One line of at most PREVIEW_CHARS, or null when there is no text. */
export function oneLine(text: string): string | null {
  const t = text.replace(/\s+/g, ' ').trim();
  if (!t) return null;
  return t.length > PREVIEW_CHARS ? `${t.slice(0, PREVIEW_CHARS - 1)}…` : t;
}

/** The question a call was asked: its last user message (else its last message). */
export function inputPreview(inputMessages: unknown): string | null {
  const all = messages(inputMessages);
  const m = all.filter((x) => x.role === 'user').at(-1) ?? all.at(-1);
  return m ? oneLine(textOf(m)) : null;
}

/** What a call answered: its output messages' text. */
export function outputPreview(outputMessages: unknown): string | null {
  return oneLine(messages(outputMessages).map(textOf).join(' '));
}

/** The GenAI part of a stored span's view (JSON members without braces, span-view.ts), parsed once. */
export type GenAiContent = Record<string, unknown> | undefined;
export function genAiOf(view: string | null): GenAiContent {
  if (!view) return undefined;
  try {
    return (JSON.parse(`{${view}}`) as { genAi?: Record<string, unknown> }).genAi;
  } catch {
    return undefined;
  }
}

/** A span's preview from its GenAI content. */
export function spanPreview(g: GenAiContent): { input: string | null; output: string | null } {
  return { input: inputPreview(g?.inputMessages), output: outputPreview(g?.outputMessages) };
}

/**
 * A trace's preview from its spans: the input of the earliest-starting span that has one, the output
 * of the latest-ending span that has one.
 */
export function tracePreview(spans: { start_ns: bigint; end_ns: bigint; view: string | null }[]): {
  input: string | null;
  output: string | null;
} {
  let input: { at: bigint; text: string } | undefined;
  let output: { at: bigint; text: string } | undefined;
  for (const s of spans) {
    const p = spanPreview(genAiOf(s.view));
    if (p.input && (!input || s.start_ns < input.at)) input = { at: s.start_ns, text: p.input };
    if (p.output && (!output || s.end_ns > output.at)) output = { at: s.end_ns, text: p.output };
  }
  return { input: input?.text ?? null, output: output?.text ?? null };
}
