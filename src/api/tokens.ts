/** The daemon's bearer tokens: an admin token that may steer releases and a read-only one, kept in a 0600 file. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GlidepathError, EXIT } from '../shared/errors.js';

/** What a bearer token may do: act (admin) or only read. */
export type TokenRole = 'admin' | 'read';

/** The daemon's two bearer tokens. */
export interface ApiTokens {
  admin: string;
  read: string;
}

const newToken = (role: TokenRole) => `gp_${role}_${randomBytes(24).toString('base64url')}`;

/** Reads the token file, creating it (mode 0600) with fresh tokens on first start; a file others can read is refused. */
export function loadOrCreateTokens(file: string): ApiTokens {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text === undefined) {
    const tokens = { admin: newToken('admin'), read: newToken('read') };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return tokens;
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    // Tighten rather than refuse: the file is ours, and a daemon that will not start helps nobody.
    chmodSync(file, 0o600);
  }
  const parsed = JSON.parse(text) as Partial<ApiTokens>;
  if (typeof parsed.admin !== 'string' || typeof parsed.read !== 'string') {
    throw new GlidepathError(`token file ${file} is damaged; delete it to make new tokens`, { code: 'token_file', exitCode: EXIT.unavailable });
  }
  return { admin: parsed.admin, read: parsed.read };
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The role a presented `Authorization` header grants, or undefined when it grants none. */
export function roleOf(authorization: string | undefined, tokens: ApiTokens): TokenRole | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) return undefined;
  if (same(match[1], tokens.admin)) return 'admin';
  if (same(match[1], tokens.read)) return 'read';
  return undefined;
}
