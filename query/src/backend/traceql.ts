// Search filters → TraceQL, for Tempo's /api/search. Everything is matched within one spanset,
// except trace duration, which is a trace-level intrinsic.

import { BadRequest } from '../api/search-params.ts';
import type { TraceFilter } from '../store/sqlite-store.ts';

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function traceql(f: TraceFilter): string {
  if (f.minRating !== undefined || f.maxRating !== undefined) {
    throw new BadRequest('minRating/maxRating: not available with the Tempo backend yet');
  }
  if (f.sort && f.sort !== 'start')
    throw new BadRequest(`sort=${f.sort}: not available with the Tempo backend (it returns newest first)`);
  if (f.ascending)
    throw new BadRequest('order=asc: not available with the Tempo backend (it returns newest first)');
  if (f.error === false) throw new BadRequest('error=false: not available with the Tempo backend yet');
  const c: string[] = [];
  if (f.service) c.push(`resource.service.name = ${quote(f.service)}`);
  if (f.name) c.push(`name = ${quote(f.name)}`);
  if (f.model)
    c.push(
      `(span.gen_ai.response.model = ${quote(f.model)} || span.gen_ai.request.model = ${quote(f.model)})`,
    );
  if (f.provider) c.push(`span.gen_ai.provider.name = ${quote(f.provider)}`);
  if (f.error) c.push('status = error');
  if (f.promptId) c.push(`span.koder.prompt.id = ${quote(f.promptId)}`);
  if (f.promptVersion) c.push(`span.koder.prompt.version = ${quote(f.promptVersion)}`);
  if (f.conversationId) c.push(`span.gen_ai.conversation.id = ${quote(f.conversationId)}`);
  if (f.requestId) c.push(`span.koder.request_id = ${quote(f.requestId)}`);
  // Unscoped: Tempo matches a span or a resource attribute. TraceQL compares typed values, so text that
  // reads as a number or boolean also matches the typed value (as the embedded store's text compare does).
  for (const [key, value] of f.attributes ?? []) {
    const attr = `.${/^[\w.-]+$/.test(key) ? key : quote(key)}`;
    c.push(
      /^(-?\d+(\.\d+)?|true|false)$/.test(value)
        ? `(${attr} = ${quote(value)} || ${attr} = ${value})`
        : `${attr} = ${quote(value)}`,
    );
  }
  if (f.minDurationMs !== undefined) c.push(`traceDuration >= ${Math.round(f.minDurationMs)}ms`);
  return `{ ${c.join(' && ')} }`.replace('{  }', '{}');
}
