/** Store URLs (`sqlite:PATH`, `postgres://…`) parsed and resolved against the project. */
import { isAbsolute, resolve } from 'node:path';
import { EXIT, GlidepathError } from '../shared/errors.js';

/** The database behind a store. */
export type StoreDialectName = 'sqlite' | 'postgres';

/** Where a store lives, parsed from its URL. */
export type StoreLocation =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly url: string };

/** The URL forms `openStore` accepts, for error messages and docs. */
export const STORE_URL_FORMS = 'sqlite:PATH (relative to the project), sqlite::memory:, or postgres://USER@HOST:PORT/DATABASE';

/** A URL with its password replaced by `***`, in the user-info part and in a `password=` parameter. */
export function redactUrl(url: string): string {
  let out = url;
  const schemeEnd = out.indexOf('://');
  const at = out.lastIndexOf('@');
  if (schemeEnd >= 0 && at > schemeEnd) {
    const userInfo = out.slice(schemeEnd + 3, at);
    const colon = userInfo.indexOf(':');
    if (colon >= 0) out = `${out.slice(0, schemeEnd + 3 + colon)}:***${out.slice(at)}`;
  }
  return out.replace(/([?&]password=)[^&]*/gi, '$1***');
}

/** Parses a store URL; relative SQLite paths are resolved against `baseDir`. */
export function parseStoreUrl(url: string, baseDir: string): StoreLocation {
  if (url === 'sqlite::memory:') return { dialect: 'sqlite', path: ':memory:' };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path.trim() !== '' && !path.startsWith('//')) {
      return { dialect: 'sqlite', path: isAbsolute(path) ? path : resolve(baseDir, path) };
    }
  }
  if (/^postgres(ql)?:\/\/[^/]/.test(url)) return { dialect: 'postgres', url };
  throw new GlidepathError(`store URL "${redactUrl(url)}" is not supported; use ${STORE_URL_FORMS}`, {
    code: 'store_url',
    exitCode: EXIT.input,
  });
}
