import { describe, expect, it } from 'vitest';
import { EXIT, GlidepathError } from '../shared/errors.js';
import { parseStoreUrl, redactUrl } from './store-url.js';

describe('parseStoreUrl', () => {
  it('resolves sqlite paths against the base dir and keeps absolute ones', () => {
    expect(parseStoreUrl('sqlite:.glidepath/state.db', '/srv/app')).toEqual({ dialect: 'sqlite', path: '/srv/app/.glidepath/state.db' });
    expect(parseStoreUrl('sqlite:/var/lib/g.db', '/srv/app')).toEqual({ dialect: 'sqlite', path: '/var/lib/g.db' });
    expect(parseStoreUrl('sqlite::memory:', '/srv/app')).toEqual({ dialect: 'sqlite', path: ':memory:' });
  });

  it('accepts both postgres schemes', () => {
    for (const url of ['postgres://u@127.0.0.1:5432/db', 'postgresql://u:p@db.internal/glidepath?sslmode=require']) {
      expect(parseStoreUrl(url, '/')).toEqual({ dialect: 'postgres', url });
    }
  });

  it.each(['mysql://u:hunter2@h/db', 'sqlite:', 'sqlite://x.db', 'state.db', '', 'postgres://'])(
    'rejects %j with exit code 2, naming the accepted forms and no password',
    (url) => {
      let caught: unknown;
      try {
        parseStoreUrl(url, '/');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(GlidepathError);
      const error = caught as GlidepathError;
      expect(error.exitCode).toBe(EXIT.input);
      expect(error.message).toContain('sqlite:PATH');
      expect(error.message).toContain('postgres://');
      expect(error.message).not.toContain('hunter2');
    },
  );
});

describe('redactUrl', () => {
  it('hides passwords in user info and parameters, and nothing else', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/x')).toBe('postgres://app:***@db:5432/x');
    expect(redactUrl('postgres://app:p@ss/w@rd@db/x')).toBe('postgres://app:***@db/x');
    expect(redactUrl('postgres://app@db/x?password=s3cret&sslmode=require')).toBe('postgres://app@db/x?password=***&sslmode=require');
    expect(redactUrl('postgres://app@db/x')).toBe('postgres://app@db/x');
    expect(redactUrl('sqlite:.glidepath/state.db')).toBe('sqlite:.glidepath/state.db');
  });
});
