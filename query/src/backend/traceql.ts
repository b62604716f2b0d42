// Search filters → TraceQL for Tempo's /api/search, meaning exactly what docs/query.md says and what
// the embedded store does:
// - the span filters (name, model, provider, prompt, conversation, request id, attr) hold on one span,
//   as the embedded store's EXISTS over one span row;
// - `service` is the trace's root service (rootServiceName), `minDurationMs` the trace's duration;
// - `error=true` is a trace with any error span — status error, or an `error.type` attribute, as the
//   ingester marks errors — in a spanset of its own (`{ … } && { error }`), so it need not be the span
//   the other filters match.
//
// Values are written as Tempo's lexer reads them (pkg/traceql/lexer.go): string literals are scanned by
// Go's text/scanner and unquoted by strconv.Unquote, which refuse a raw newline — JSON's escapes are a
// subset of Go's, so JSON.stringify of the well-formed string is a valid TraceQL string; quoted
// attribute names accept only \" and \\ escapes (parseQuotedAtrribute); integers are read by
// strconv.Atoi (64 bits) and durations by Prometheus' or Go's duration parser (int64 nanoseconds).

// Durations TraceQL can state are int64 nanoseconds, as the stores': MAX_DURATION_MS bounds both.
import { BadRequest, INT64_MAX, MAX_DURATION_MS, type TraceFilter } from '../model/filter.ts';
import { searchTerms } from '../model/search-terms.ts';
import { DEFAULT_USER_ATTRIBUTES } from '../model/user-id.ts';

/** A TraceQL string literal. */
export const quote = (s: string): string => JSON.stringify(s.toWellFormed());

/** An attribute name after `.`: bare when Tempo's lexer reads it whole, else quoted. */
const attributeName = (key: string): string =>
  /^[A-Za-z0-9_][\w.-]*$/.test(key) ? key : `"${key.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/**
 * The value as the typed TraceQL literal that an attribute equal to it "as text" also has, when there
 * is one: canonical integers that fit Tempo's 64 bits, canonical decimals, booleans. A longer integer
 * has no typed twin (no attribute can hold it as a number), so it is compared as text only.
 */
function typedLiteral(value: string): string | undefined {
  if (value === 'true' || value === 'false') return value;
  if (/^-?(0|[1-9]\d*)$/.test(value)) {
    const n = BigInt(value);
    return n <= INT64_MAX && n >= -INT64_MAX ? value : undefined;
  }
  if (/^-?(0|[1-9]\d*)\.\d+$/.test(value) && String(Number(value)) === value) return value;
  return undefined;
}

export const ERROR_SPANSET = '{ status = error || span.error.type != nil }';

/** `userKeys`: the attributes read as the user id (model/user-id.ts). */
export function traceql(f: TraceFilter, userKeys: readonly string[] = DEFAULT_USER_ATTRIBUTES): string {
  if (f.minRating !== undefined || f.maxRating !== undefined) {
    throw new BadRequest('minRating/maxRating: not available with the Tempo backend yet');
  }
  if (f.sort && f.sort !== 'start')
    throw new BadRequest(`sort=${f.sort}: not available with the Tempo backend (it returns newest first)`);
  if (f.ascending)
    throw new BadRequest('order=asc: not available with the Tempo backend (it returns newest first)');
  if (f.error === false) throw new BadRequest('error=false: not available with the Tempo backend yet');
  const c: string[] = [];
  if (f.name) c.push(`name = ${quote(f.name)}`);
  if (f.model)
    c.push(
      `(span.gen_ai.response.model = ${quote(f.model)} || span.gen_ai.request.model = ${quote(f.model)})`,
    );
  if (f.provider) c.push(`span.gen_ai.provider.name = ${quote(f.provider)}`);
  if (f.promptId) c.push(`span.koder.prompt.id = ${quote(f.promptId)}`);
  if (f.promptVersion) c.push(`span.koder.prompt.version = ${quote(f.promptVersion)}`);
  if (f.conversationId) c.push(`span.gen_ai.conversation.id = ${quote(f.conversationId)}`);
  if (f.requestId) c.push(`span.koder.request_id = ${quote(f.requestId)}`);
  // Unscoped: on the span or its resource, as the embedded store reads it.
  if (f.userId)
    c.push(`(${userKeys.map((k) => `.${attributeName(k)} = ${quote(f.userId as string)}`).join(' || ')})`);
  // Unscoped: Tempo matches a span or a resource attribute. TraceQL compares typed values, so text that
  // reads as a number or boolean also matches the typed value (as the embedded store's text compare does).
  for (const [key, value] of f.attributes ?? []) {
    const attr = `.${attributeName(key)}`;
    const typed = typedLiteral(value);
    c.push(typed ? `(${attr} = ${quote(value)} || ${attr} = ${typed})` : `${attr} = ${quote(value)}`);
  }
  if (f.service) c.push(`rootServiceName = ${quote(f.service)}`);
  if (f.minDurationMs !== undefined) {
    if (!(f.minDurationMs <= MAX_DURATION_MS))
      throw new BadRequest(
        `minDurationMs: at most ${MAX_DURATION_MS} with the Tempo backend (TraceQL durations are 64-bit nanoseconds)`,
      );
    const ms = f.minDurationMs;
    c.push(`traceDuration >= ${Number.isInteger(ms) ? `${ms}ms` : `${Math.round(ms * 1e6)}ns`}`);
  }
  const spansets = [
    ...(c.length ? [`{ ${c.join(' && ')} }`] : []),
    ...(f.error ? [ERROR_SPANSET] : []),
    ...(f.text !== undefined ? textSpansets(f.text) : []),
  ];
  return spansets.join(' && ') || '{}';
}

/** Where a span says things: its name, status message and GenAI content attributes. */
const TEXT_FIELDS = [
  'name',
  'statusMessage',
  ...[
    'gen_ai.system_instructions',
    'gen_ai.input.messages',
    'gen_ai.output.messages',
    'gen_ai.tool.name',
    'gen_ai.tool.call.arguments',
    'gen_ai.tool.call.result',
  ].map((k) => `span.${k}`),
];

/** RE2's metacharacters, escaped as Go's regexp.QuoteMeta does. */
const quoteMeta = (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, (c) => `\\${c}`);
const ASCII_WORD = /^\w$/;

/**
 * A term as RE2 finds it where the embedded index would: its words in order with anything but letters
 * and digits between them, starting (and, unless a prefix, ending) at a word boundary — RE2's \b knows
 * ASCII word characters only, so it is left off next to other letters.
 */
function termPattern({ phrase, prefix }: { phrase: string; prefix: boolean }): string {
  const words = phrase.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const body = words.map(quoteMeta).join('[^\\p{L}\\p{N}]+');
  // Content attributes are JSON text: a word after a newline follows the two characters \n.
  const start = ASCII_WORD.test(phrase.match(/[\p{L}\p{N}]/u)?.[0] ?? '') ? '(?:\\\\[nrt]|\\b)' : '';
  const last = words.at(-1)?.at(-1) ?? '';
  const end = !prefix && ASCII_WORD.test(last) ? '\\b' : '';
  return `(?i).*${start}${body}${end}.*`;
}

/**
 * Full text as TraceQL can state it: Tempo has no text index, but its regular expressions (RE2, fully
 * anchored as Prometheus' matchers are) find a word inside an attribute's value. Each word or phrase
 * must occur in some span of the trace, in any case (`(?i)`); accents are not folded, as the embedded
 * store's index folds them.
 */
function textSpansets(text: string): string[] {
  const terms = searchTerms(text);
  if (!terms.length)
    throw new BadRequest('q: nothing to search for (words or "phrases" with letters or digits)');
  return terms.map((term) => {
    const re = quote(termPattern(term));
    return `{ ${TEXT_FIELDS.map((f) => `${f} =~ ${re}`).join(' || ')} }`;
  });
}
