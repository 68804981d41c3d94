/**
 * The daemon's bearer tokens: an admin token that may steer releases and a read-only one, kept in a 0600 file; and
 * a token that may only scrape `/metrics`, alone in a file of its own (`metrics-token` beside it), which a
 * Prometheus reads with `authorization: { credentials_file: … }`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GlidepathError, EXIT } from '../shared/errors.js';

/** What a bearer token may do: act (admin), only read, or only scrape metrics. */
export type TokenRole = 'admin' | 'read' | 'metrics';

/** The daemon's bearer tokens. */
export interface ApiTokens {
  admin: string;
  read: string;
  /** Only `/metrics`; absent for callers that never serve it (the CLI). */
  metrics?: string;
}

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

/** The file beside the token file that holds the metrics token alone. */
export function metricsTokenFile(tokenFile: string): string {
  return join(dirname(tokenFile), 'metrics-token');
}

/** Reads the metrics token, creating its file (mode 0600, the token alone, no newline) on first start. */
export function loadOrCreateMetricsToken(tokenFile: string): string {
  const file = metricsTokenFile(tokenFile);
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (/^gp_metrics_[A-Za-z0-9_-]{32}$/.test(token)) return token;
    throw new GlidepathError(`token file ${file} is damaged; delete it to make a new metrics token`, { code: 'token_file', exitCode: EXIT.unavailable });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = newToken('metrics');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, token, { mode: 0o600, flag: 'wx' });
  return token;
}

const newToken = (role: TokenRole) => `gp_${role}_${randomBytes(24).toString('base64url')}`;

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
  if (tokens.metrics !== undefined && same(match[1], tokens.metrics)) return 'metrics';
  return undefined;
}
