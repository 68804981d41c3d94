/**
 * Dashboard logins: one-time login tokens that `glidepath dashboard` asks for, and the browser sessions they open.
 * Both live in the daemon's memory only; a daemon that restarts forgets them, and its users log in again.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** What a dashboard session may do: act (admin) or only look (read). */
export type SessionRole = 'admin' | 'read';

/** A browser session: its role, who opened it, and its CSRF token. */
export interface DashboardSession {
  id: string;
  role: SessionRole;
  who: string;
  csrf: string;
  expiresAt: number;
}

/** How long a one-time login token is good for. */
export const DEFAULT_LOGIN_TOKEN_TTL_MS = 120_000;
/** How long a browser session lasts. */
export const DEFAULT_SESSION_TTL_MS = 12 * 3_600_000;
// Bounds memory when someone asks for logins in a loop: the oldest unused tokens go first.
const MAX_PENDING_LOGINS = 100;
const MAX_SESSIONS = 1_000;

const secret = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

/** Whether two secrets are equal, in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** One-time login tokens and the sessions they open, with an injectable clock for tests. */
export class SessionBook {
  readonly #logins = new Map<string, { role: SessionRole; who: string; expiresAt: number }>();
  readonly #sessions = new Map<string, DashboardSession>();
  readonly #now: () => number;
  readonly #loginTtlMs: number;
  readonly #sessionTtlMs: number;

  constructor(options: { now?: () => number; loginTtlMs?: number; sessionTtlMs?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#loginTtlMs = options.loginTtlMs ?? DEFAULT_LOGIN_TOKEN_TTL_MS;
    this.#sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  }

  /** A new one-time login token for a role, good for a short while. */
  issueLogin(role: SessionRole, who: string): { token: string; expiresAt: string } {
    this.#sweep();
    if (this.#logins.size >= MAX_PENDING_LOGINS) this.#logins.delete(this.#logins.keys().next().value as string);
    const token = secret('gp_login_');
    const expiresAt = this.#now() + this.#loginTtlMs;
    this.#logins.set(token, { role, who, expiresAt });
    return { token, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** Spends a login token: a session when it is known and fresh, else undefined; either way it is gone. */
  redeem(token: string): DashboardSession | undefined {
    const login = this.#logins.get(token);
    this.#logins.delete(token);
    if (!login || login.expiresAt <= this.#now()) return undefined;
    return this.open(login.role, login.who);
  }

  /** Opens a session directly (a daemon bearer token typed into the login form). */
  open(role: SessionRole, who: string): DashboardSession {
    this.#sweep();
    if (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value as string);
    const session = { id: secret('gp_session_'), role, who, csrf: secret(''), expiresAt: this.#now() + this.#sessionTtlMs };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, or undefined. */
  session(id: string): DashboardSession | undefined {
    const session = this.#sessions.get(id);
    if (session && session.expiresAt <= this.#now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  /** Ends a session. */
  close(id: string): void {
    this.#sessions.delete(id);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [token, login] of this.#logins) if (login.expiresAt <= now) this.#logins.delete(token);
    for (const [id, session] of this.#sessions) if (session.expiresAt <= now) this.#sessions.delete(id);
  }
}
