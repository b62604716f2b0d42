// Who the application's end user of a span is: the first of the user attributes it carries, on the
// span, else on its resource. The OTel names (user.id, then the older enduser.id) come first; an
// installation may add its own (--user-attribute, the chart's query.userAttributes), read after them.
import { ATTR_ENDUSER_ID, ATTR_USER_ID } from '@koder-trace/ingester/semconv';

export const DEFAULT_USER_ATTRIBUTES: readonly string[] = [ATTR_USER_ID, ATTR_ENDUSER_ID];

/** The attributes read as the user id, in order: the defaults, then `extra` (repeats left out). */
export function userAttributes(extra: readonly string[] = []): string[] {
  for (const key of extra)
    if (!/^[^\s\p{Cc}]{1,255}$/u.test(key))
      throw new Error(
        `--user-attribute: ${JSON.stringify(key)} is not an attribute key (1 to 255 characters, no spaces)`,
      );
  return [...new Set([...DEFAULT_USER_ATTRIBUTES, ...extra])];
}

/** The user id of a span from its attributes and its resource's, as text; null without one. */
export function userIdOf(
  attrs: Record<string, unknown>,
  resource: Record<string, unknown>,
  keys: readonly string[] = DEFAULT_USER_ATTRIBUTES,
): string | null {
  for (const from of [attrs, resource])
    for (const k of keys) {
      const v = from[k];
      if (v !== undefined && v !== null && v !== '') return String(v);
    }
  return null;
}
