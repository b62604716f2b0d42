// --user-attribute KEY (repeatable), as make run, the embedded store and the Tempo-backed query
// service all take it: attributes read as the end user's id after user.id and enduser.id.
import type { Logger } from 'pino';
import { userAttributes } from './model/user-id.ts';

export const USER_ATTRIBUTE_OPTION = { 'user-attribute': { type: 'string', multiple: true } } as const;

/** The attributes read as the user id; a key that cannot be one stops the program with the reason. */
export function userAttributesFlag(given: string[] | undefined, log: Logger): string[] {
  try {
    return userAttributes(given ?? []);
  } catch (err) {
    log.fatal((err as Error).message);
    process.exit(2);
  }
}
