import { describe, expect, it } from 'vitest';
import { redactSecrets, urlPassword } from './redact.js';

describe('redactSecrets', () => {
  it('hides passwords in URLs but keeps the user', () => {
    expect(redactSecrets('connect postgres://app:s3cr%40t@db:5432/app failed')).toBe('connect postgres://app:***@db:5432/app failed');
    expect(redactSecrets('redis://:pw@127.0.0.1:6379 and https://user@host/x')).toBe('redis://:***@127.0.0.1:6379 and https://user@host/x');
  });

  it('hides literal secrets of four characters or more', () => {
    expect(redactSecrets('token abcd1234 seen, id 42', ['abcd1234', '42', undefined])).toBe('token *** seen, id 42');
  });

  it('reads the decoded password of a URL', () => {
    expect(urlPassword('postgres://app:s3cr%40t@db/app')).toBe('s3cr@t');
    expect(urlPassword('postgres://app@db/app')).toBeUndefined();
    expect(urlPassword('not a url')).toBeUndefined();
  });
});
