// Query-string → TraceFilter, with a specific message for each bad parameter (answered as 400).
import { SORT_KEYS, type SortKey, type TraceFilter } from '../store/sqlite-store.ts';

export class BadRequest extends Error {
  override name = 'BadRequest';
}

const TIME = /^\d+$/;

function time(q: URLSearchParams, key: string): bigint | undefined {
  const v = q.get(key);
  if (v === null) return undefined;
  if (TIME.test(v)) return BigInt(v) * (v.length <= 13 ? 1_000_000n : 1n); // ms or ns since the epoch
  const parsed = Date.parse(v);
  if (Number.isNaN(parsed))
    throw new BadRequest(
      `${key}: expected RFC 3339 time or milliseconds since the epoch, got ${JSON.stringify(v)}`,
    );
  return BigInt(parsed) * 1_000_000n;
}

export function parseSearch(q: URLSearchParams): TraceFilter {
  const limitText = q.get('limit') ?? '50';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new BadRequest(`limit: expected 1 to 1000, got ${JSON.stringify(limitText)}`);
  const minDur = q.get('minDurationMs');
  if (minDur !== null && !(Number(minDur) >= 0))
    throw new BadRequest(`minDurationMs: expected a number >= 0, got ${JSON.stringify(minDur)}`);
  const err = q.get('error');
  if (err !== null && err !== 'true' && err !== 'false')
    throw new BadRequest(`error: expected true or false, got ${JSON.stringify(err)}`);
  const f: TraceFilter = { limit };
  const startNs = time(q, 'start');
  const endNs = time(q, 'end');
  if (startNs !== undefined) f.startNs = startNs;
  if (endNs !== undefined) f.endNs = endNs;
  if (minDur !== null) f.minDurationMs = Number(minDur);
  if (err !== null) f.error = err === 'true';
  for (const key of ['minRating', 'maxRating'] as const) {
    const v = q.get(key);
    if (v === null) continue;
    const n = Number(v);
    if (!(n >= 0 && n <= 1))
      throw new BadRequest(`${key}: expected a number from 0 to 1, got ${JSON.stringify(v)}`);
    f[key] = n;
  }
  const sort = q.get('sort');
  if (sort !== null) {
    if (!Object.hasOwn(SORT_KEYS, sort))
      throw new BadRequest(
        `sort: expected one of ${Object.keys(SORT_KEYS).join(', ')}, got ${JSON.stringify(sort)}`,
      );
    f.sort = sort as SortKey;
  }
  const order = q.get('order');
  if (order !== null && order !== 'asc' && order !== 'desc')
    throw new BadRequest(`order: expected asc or desc, got ${JSON.stringify(order)}`);
  if (order === 'asc') f.ascending = true;
  const attrs = q.getAll('attr').map((a) => {
    const eq = a.indexOf('=');
    if (eq < 1) throw new BadRequest(`attr: expected key=value, got ${JSON.stringify(a)}`);
    return [a.slice(0, eq), a.slice(eq + 1)] as [string, string];
  });
  if (attrs.length) f.attributes = attrs;
  for (const key of [
    'service',
    'name',
    'model',
    'provider',
    'promptId',
    'promptVersion',
    'conversationId',
    'requestId',
    'cursor',
  ] as const) {
    const v = q.get(key);
    if (v) f[key] = v;
  }
  return f;
}
