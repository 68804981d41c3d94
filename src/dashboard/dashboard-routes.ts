/**
 * The dashboard in the daemon: its page and assets at `/`, logging in with a one-time token (or a daemon token),
 * and browser sessions that the API's bearer-token check understands. Registered before that check: a request
 * with a live session cookie and no Authorization header is given its role's bearer token in-process, after a
 * state-changing one has shown the session's CSRF token in `x-csrf-token` (the cookie alone is never enough).
 */
import { loginRoute, loginsRoute, logoutRoute, sessionRoute } from './dashboard-route-specs.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE, clearedSessionCookie, readCookie, sessionCookie } from './cookies.js';
import { LoginLimiter } from './login-limiter.js';
import { DEFAULT_SESSION_TTL_MS, SessionBook, sameSecret, type DashboardSession, type SessionRole } from './sessions.js';
import { registerStaticAssets } from './static-routes.js';

/** What the dashboard needs: the daemon's admin and read tokens, and optionally its own parts (tests). */
export interface DashboardOptions {
  tokens: { admin: string; read: string };
  book?: SessionBook;
  limiter?: LoginLimiter;
  bundleDir?: string;
}

/** The header a session's state-changing request carries its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SESSION_TTL_SECONDS = DEFAULT_SESSION_TTL_MS / 1000;

// Which body field of a route names who acted; for a session it is the session's person, whatever the body said.
const WHO_FIELDS: Record<string, string> = {
  '/v1/releases': 'owner',
  '/v1/release/promote': 'by',
  '/v1/release/pause': 'by',
  '/v1/release/resume': 'by',
  '/v1/release/abort': 'by',
  '/v1/rollback': 'by',
  '/v1/silences': 'author',
  '/v1/silences/:id/end': 'by',
  '/v1/jobs/:name/run': 'by',
  '/v1/jobs/:name/disable': 'by',
  '/v1/jobs/:name/enable': 'by',
};

const fail = (reply: FastifyReply, status: number, code: string, message: string) => reply.code(status).send({ error: { code, message } });
const sessionView = (session: DashboardSession) => ({ role: session.role, who: session.who, csrf: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() });

/** Registers the dashboard: call before the API's token check so sessions reach it. */
export function registerDashboard(app: FastifyInstance, options: DashboardOptions): void {
  const book = options.book ?? new SessionBook();
  const limiter = options.limiter ?? new LoginLimiter();
  const bySession = new WeakMap<FastifyRequest, DashboardSession>();
  const sessionOf = (request: FastifyRequest) => {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    return id === undefined ? undefined : book.session(id);
  };
  const csrfHeld = (request: FastifyRequest, session: DashboardSession) => {
    const presented = request.headers[CSRF_HEADER];
    return typeof presented === 'string' && sameSecret(presented, session.csrf);
  };

  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.authorization !== undefined || request.routeOptions.config.access === 'public') return;
    const session = sessionOf(request);
    if (!session) return;
    if (!SAFE_METHODS.has(request.method) && !csrfHeld(request, session)) {
      await fail(reply, 403, 'csrf', `a dashboard session's ${request.method} needs its CSRF token in the ${CSRF_HEADER} header`);
      return reply;
    }
    request.headers.authorization = `Bearer ${options.tokens[session.role]}`;
    bySession.set(request, session);
  });

  app.addHook('preHandler', async (request) => {
    const session = bySession.get(request);
    const field = WHO_FIELDS[request.routeOptions.url ?? ''];
    if (session && field && request.method === 'POST' && typeof request.body === 'object' && request.body !== null) {
      (request.body as Record<string, unknown>)[field] = `${session.who} (dashboard)`;
    }
  });

  app.post<{ Body: { token: string } }>(
    '/dashboard/login',
    loginRoute,
    async (request, reply) => {
      const allowed = limiter.take(request.ip);
      if (!allowed.allowed) {
        return fail(reply.header('retry-after', String(allowed.retryAfterSeconds)), 429, 'too_many_logins', `too many login attempts; try again in ${allowed.retryAfterSeconds}s`);
      }
      const { token } = request.body;
      const daemonRole: SessionRole | undefined = sameSecret(token, options.tokens.admin) ? 'admin' : sameSecret(token, options.tokens.read) ? 'read' : undefined;
      const session = daemonRole ? book.open(daemonRole, `holder of the ${daemonRole} token`) : book.redeem(token);
      if (!session) return fail(reply, 401, 'unauthorized', 'this login token is unknown, used or expired; get a new one with glidepath dashboard');
      return reply.header('set-cookie', sessionCookie(session.id, SESSION_TTL_SECONDS)).header('cache-control', 'no-store').send(sessionView(session));
    },
  );

  app.get('/dashboard/session', sessionRoute, async (request, reply) => {
    const session = sessionOf(request);
    if (!session) return fail(reply, 401, 'unauthorized', 'no dashboard session; log in with a token');
    return reply.header('cache-control', 'no-store').send(sessionView(session));
  });

  app.post('/dashboard/logout', logoutRoute, async (request, reply) => {
    const session = sessionOf(request);
    if (session && !csrfHeld(request, session)) return fail(reply, 403, 'csrf', `logging out needs the session's CSRF token in the ${CSRF_HEADER} header`);
    if (session) book.close(session.id);
    return reply.header('set-cookie', clearedSessionCookie()).send({ ok: true });
  });

  app.post<{ Body: { role?: SessionRole; who?: string } }>(
    '/v1/dashboard/logins',
    loginsRoute,
    async (request, reply) => {
      if (bySession.has(request)) return fail(reply, 403, 'forbidden', 'a dashboard session cannot hand out logins; use glidepath dashboard');
      const callerRole: SessionRole = request.role === 'admin' ? 'admin' : 'read';
      const role = request.body.role ?? callerRole;
      if (role === 'admin' && callerRole !== 'admin') return fail(reply, 403, 'forbidden', 'the read-only token may only hand out read-only logins');
      const login = book.issueLogin(role, request.body.who ?? `holder of the ${callerRole} token`);
      return reply.code(201).header('cache-control', 'no-store').send({ ...login, role, path: `/#login=${login.token}` });
    },
  );

  registerStaticAssets(app, options.bundleDir);
}
