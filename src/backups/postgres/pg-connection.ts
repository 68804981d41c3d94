/**
 * Connection settings for pg_dump, pg_restore and psql without a password on their command line (which any local
 * user can read with `ps`): the password leaves the URL and travels in the child's environment (PGPASSWORD),
 * which only the same user can read.
 */

/** What a child program gets: `--dbname` without a password, and the environment that carries it. */
export interface PgConnection {
  /** The connection URL (or key/value string) with the password removed; every other parameter kept. */
  readonly dbname: string;
  /** `{ PGPASSWORD }` when the URL had a password, else empty. */
  readonly env: Readonly<Record<string, string>>;
}

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** `postgres://user:pw@host/db?sslmode=require&password=pw` → the URL without both, and the password. */
function splitUrl(url: string, schemeEnd: number): { dbname: string; password?: string } {
  const rest = url.slice(schemeEnd + 3);
  const authorityEnd = rest.search(/[/?#]/);
  let authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  let tail = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
  let password: string | undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userInfo = authority.slice(0, at);
    const colon = userInfo.indexOf(':');
    if (colon >= 0) {
      password = decode(userInfo.slice(colon + 1));
      authority = `${userInfo.slice(0, colon)}${authority.slice(at)}`;
    }
  }
  const queryStart = tail.indexOf('?');
  if (queryStart >= 0) {
    const hashStart = tail.indexOf('#', queryStart);
    const query = tail.slice(queryStart + 1, hashStart === -1 ? undefined : hashStart);
    const kept: string[] = [];
    for (const pair of query.split('&')) {
      const [key = '', ...value] = pair.split('=');
      if (decode(key) === 'password') password ??= decode(value.join('='));
      else if (pair !== '') kept.push(pair);
    }
    tail = `${tail.slice(0, queryStart)}${kept.length > 0 ? `?${kept.join('&')}` : ''}${hashStart === -1 ? '' : tail.slice(hashStart)}`;
  }
  return { dbname: `${url.slice(0, schemeEnd + 3)}${authority}${tail}`, password };
}

/** `host=h password='p w' dbname=d` → the string without the password setting, and the password. */
function splitKeyValue(conninfo: string): { dbname: string; password?: string } {
  const setting = /(^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S*)/;
  const match = setting.exec(conninfo);
  if (!match) return { dbname: conninfo };
  const raw = match[2] ?? '';
  const password = raw.startsWith("'") ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  return { dbname: `${conninfo.slice(0, match.index)}${match[1] ?? ''}${conninfo.slice(match.index + match[0].length)}`.trim(), password };
}

/** Splits a connection URL into what goes on argv (no password) and what goes in the environment. */
export function pgConnection(url: string): PgConnection {
  const schemeEnd = url.indexOf('://');
  const { dbname, password } = schemeEnd > 0 && /^[a-z][a-z0-9+.-]*$/i.test(url.slice(0, schemeEnd)) ? splitUrl(url, schemeEnd) : splitKeyValue(url);
  return { dbname, env: password !== undefined && password !== '' ? { PGPASSWORD: password } : {} };
}
