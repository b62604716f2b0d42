import { describe, expect, it } from 'vitest';
import { DEFAULT_USER_ATTRIBUTES, userAttributes, userIdOf } from './user-id.ts';

describe('user id', () => {
  it('reads the defaults, then the configured attributes, on the span before its resource', () => {
    const keys = userAttributes(['app.user_email']);
    expect(keys).toEqual(['user.id', 'enduser.id', 'app.user_email']);
    expect(userIdOf({ 'app.user_email': 'a@x', 'enduser.id': 'e-1' }, {}, keys)).toBe('e-1');
    expect(userIdOf({ 'app.user_email': 'a@x' }, { 'user.id': 'r-1' }, keys)).toBe('a@x');
    expect(userIdOf({}, { 'app.user_email': 'r@x' }, keys)).toBe('r@x');
    expect(userIdOf({ 'app.user_email': 'a@x' }, {}, DEFAULT_USER_ATTRIBUTES)).toBeNull();
    expect(userIdOf({ 'user.id': 42 }, {})).toBe('42');
    expect(userIdOf({ 'user.id': '' }, { 'enduser.id': 'e' })).toBe('e');
  });

  it('refuses a key that cannot be an attribute, and reads each key once', () => {
    expect(() => userAttributes(['has space'])).toThrow(
      /--user-attribute: "has space" is not an attribute key/,
    );
    expect(() => userAttributes([''])).toThrow(/not an attribute key/);
    expect(userAttributes(['user.id', 'x', 'x'])).toEqual(['user.id', 'enduser.id', 'x']);
  });
});
