// Query-string → TraceFilter, with a specific message for each bad parameter (answered as 400). Every
// value is checked against what the stores can hold: times are nanoseconds since the epoch that fit a
// signed 64-bit integer (SQLite INTEGER), durations likewise once converted, and numbers are plain
// decimals (no hex, no Infinity, no empty text). Each endpoint refuses parameters it does not take.
import {
  BadRequest,
  INT64_MAX,
  MAX_ATTR_FILTERS,
  MAX_DURATION_MS,
  SORT_KEYS,
  type SortKey,
  type TraceFilter,
} from '../model/filter.ts';
import { intBounds, OPERATIONS, type Operation, type Param, queryParams } from './contract/operations.ts';

const MAX_CURSOR_CHARS = 4096;
const MAX_TEXT_CHARS = 500;

/** Parameters each endpoint takes (contract/operations.ts); anything else is refused, so a typo never
 * silently widens a search. */
export const SEARCH_PARAMS = queryParams(OPERATIONS.search);
export const PROMPTS_PARAMS = queryParams(OPERATIONS.prompts);
export const OVERLAY_PARAMS = queryParams(OPERATIONS.overlay);
const REPEATABLE = new Set(
  Object.entries(OPERATIONS.search.params as Record<string, Param>)
    .filter(([, p]) => p.repeatable)
    .map(([name]) => name),
);

const TEXT_FILTERS = [
  'service',
  'name',
  'model',
  'provider',
  'promptId',
  'promptVersion',
  'conversationId',
  'requestId',
  'userId',
] as const;

/** A value as quoted in a message: JSON, cut short, so a huge parameter never makes a huge answer. */
export const shown = (v: string): string => JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}…` : v);

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Refuses a parameter the endpoint does not take, and one given twice that is not repeatable. */
export function checkParams(q: URLSearchParams, accepted: readonly string[]): void {
  const seen = new Set<string>();
  for (const key of q.keys()) {
    if (!accepted.includes(key))
      throw new BadRequest(
        `unknown parameter ${shown(key)}: this endpoint takes ${accepted.length ? accepted.join(', ') : 'no parameters'}`,
      );
    if (seen.has(key) && !REPEATABLE.has(key)) throw new BadRequest(`${key}: given more than once`);
    seen.add(key);
  }
}

const DIGITS = /^\d+$/;
// RFC 3339 date-time (or a full-date alone, read as midnight UTC); fractions down to nanoseconds.
const RFC3339 = /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2}))?$/;

/** A time parameter as nanoseconds since the epoch, from 1970 up to what int64 holds (2262). */
function time(q: URLSearchParams, key: string): bigint | undefined {
  const v = q.get(key);
  if (v === null) return undefined;
  let ns: bigint | undefined;
  if (DIGITS.test(v)) {
    ns = BigInt(v) * (v.length <= 13 ? 1_000_000n : 1n); // ms or ns since the epoch
  } else {
    const m = RFC3339.exec(v);
    // Date.parse rolls 2024-02-30 over to March: the date must read the same back.
    const day =
      m && !Number.isNaN(Date.parse(`${m[1]}T00:00:00Z`)) ? new Date(`${m[1]}T00:00:00Z`) : undefined;
    const ms =
      m && day?.toISOString().slice(0, 10) === m[1]
        ? Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${m[4]?.toUpperCase() ?? 'Z'}`)
        : Number.NaN;
    if (Number.isNaN(ms))
      throw new BadRequest(`${key}: expected RFC 3339 time or milliseconds since the epoch, got ${shown(v)}`);
    ns = BigInt(ms) * 1_000_000n + BigInt((m?.[3] ?? '').padEnd(9, '0'));
  }
  if (ns < 0n || ns > INT64_MAX)
    throw new BadRequest(
      `${key}: out of range, expected a time from 1970-01-01 to 2262-04-11 (${INT64_MAX} ns), got ${shown(v)}`,
    );
  return ns;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A plain decimal number within [min, max]; `what` says what is expected. */
function decimal(q: URLSearchParams, key: string, min: number, max: number, what: string) {
  const v = q.get(key);
  if (v === null) return undefined;
  const n = DECIMAL.test(v) ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max)) throw new BadRequest(`${key}: expected ${what}, got ${shown(v)}`);
  return n;
}

/** A whole number within [min, max] written in decimal digits. */
export function integer(
  q: URLSearchParams,
  key: string,
  min: number,
  max: number,
  byDefault: number,
): number {
  const v = q.get(key);
  if (v === null) return byDefault;
  const n = DIGITS.test(v) && v.length <= 16 ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max)) throw new BadRequest(`${key}: expected ${min} to ${max}, got ${shown(v)}`);
  return n;
}

function text(q: URLSearchParams, key: string): string | undefined {
  const v = q.get(key);
  if (v && CONTROL.test(v)) throw new BadRequest(`${key}: control characters are not allowed`);
  return v || undefined;
}

/** The time range asked for (start and end as given; neither is required). */
export function parseRange(
  q: URLSearchParams,
  accepted: readonly string[] = PROMPTS_PARAMS,
): { startNs?: bigint; endNs?: bigint } {
  checkParams(q, accepted);
  const startNs = time(q, 'start');
  const endNs = time(q, 'end');
  if (startNs !== undefined && endNs !== undefined && startNs > endNs)
    throw new BadRequest(
      `start: later than end (${shown(q.get('start') ?? '')} > ${shown(q.get('end') ?? '')})`,
    );
  return {
    ...(startNs !== undefined ? { startNs } : {}),
    ...(endNs !== undefined ? { endNs } : {}),
  };
}

/** An integer parameter within the bounds, and with the default, its operation declares. */
export function boundedInt(q: URLSearchParams, op: Operation, key: string): number {
  const { min, max, byDefault } = intBounds(op, key);
  return integer(q, key, min, max, byDefault);
}

/** Time buckets of the prompt-version overlay. */
export function parseBuckets(q: URLSearchParams): number {
  return boundedInt(q, OPERATIONS.overlay, 'buckets');
}

export function parseSearch(q: URLSearchParams): TraceFilter {
  const f: TraceFilter = {
    ...parseRange(q, SEARCH_PARAMS),
    limit: boundedInt(q, OPERATIONS.search, 'limit'),
  };
  const minDurationMs = decimal(
    q,
    'minDurationMs',
    0,
    MAX_DURATION_MS,
    `a number of milliseconds from 0 to ${MAX_DURATION_MS}`,
  );
  if (minDurationMs !== undefined) f.minDurationMs = minDurationMs;
  const err = q.get('error');
  if (err !== null && err !== 'true' && err !== 'false')
    throw new BadRequest(`error: expected true or false, got ${shown(err)}`);
  if (err !== null) f.error = err === 'true';
  for (const key of ['minRating', 'maxRating'] as const) {
    const n = decimal(q, key, 0, 1, 'a number from 0 to 1');
    if (n !== undefined) f[key] = n;
  }
  if (f.minRating !== undefined && f.maxRating !== undefined && f.minRating > f.maxRating)
    throw new BadRequest(`minRating: greater than maxRating (${f.minRating} > ${f.maxRating})`);
  const sort = q.get('sort');
  if (sort !== null) {
    if (!(SORT_KEYS as readonly string[]).includes(sort))
      throw new BadRequest(`sort: expected one of ${SORT_KEYS.join(', ')}, got ${shown(sort)}`);
    f.sort = sort as SortKey;
  }
  const order = q.get('order');
  if (order !== null && order !== 'asc' && order !== 'desc')
    throw new BadRequest(`order: expected asc or desc, got ${shown(order)}`);
  if (order === 'asc') f.ascending = true;
  const attrs = q.getAll('attr');
  if (attrs.length > MAX_ATTR_FILTERS)
    throw new BadRequest(`attr: at most ${MAX_ATTR_FILTERS} filters, got ${attrs.length}`);
  const attributes = attrs.map((a) => {
    const eq = a.indexOf('=');
    if (eq < 1) throw new BadRequest(`attr: expected key=value, got ${shown(a)}`);
    const key = a.slice(0, eq);
    if (CONTROL.test(key)) throw new BadRequest(`attr: control characters are not allowed in a key`);
    return [key, a.slice(eq + 1)] as [string, string];
  });
  if (attributes.length) f.attributes = attributes;
  for (const key of TEXT_FILTERS) {
    const v = text(q, key);
    if (v !== undefined) f[key] = v;
  }
  const words = text(q, 'q');
  if (words !== undefined && words.length > MAX_TEXT_CHARS)
    throw new BadRequest(`q: at most ${MAX_TEXT_CHARS} characters, got ${words.length}`);
  if (words !== undefined) f.text = words;
  const cursor = q.get('cursor');
  if (cursor) {
    // Both backends' cursors are base64url text; anything else cannot be one of theirs.
    if (cursor.length > MAX_CURSOR_CHARS || !/^[\w-]+$/.test(cursor))
      throw new BadRequest(
        'cursor: not a cursor from this search (use the "next" value of the previous page)',
      );
    f.cursor = cursor;
  }
  return f;
}
