/** How the dashboard's login routes describe themselves in the API document (role, bodies, answers). */
import { routeOptions, type JsonSchema } from '../shared/route-spec.js';

const session: JsonSchema = {
  type: 'object',
  required: ['role', 'who', 'csrf', 'expiresAt'],
  additionalProperties: false,
  properties: {
    role: { type: 'string', enum: ['admin', 'read'] },
    who: { type: 'string', description: 'Who the session acts as; actions are recorded as "WHO (dashboard)".' },
    csrf: { type: 'string', description: 'Send it back in the x-csrf-token header of every POST made with the session cookie.' },
    expiresAt: { type: 'string', format: 'date-time' },
  },
};

/** `POST /dashboard/login`. */
export const loginRoute = routeOptions({
  operationId: 'dashboardLogin',
  access: 'public',
  summary: 'Open a dashboard session with a one-time login token (or a daemon token); sets the session cookie',
  description: 'The cookie is `HttpOnly; SameSite=Strict; Path=/`. At most 10 attempts a minute per address (then 429 with Retry-After).',
  tags: ['dashboard'],
  body: { type: 'object', required: ['token'], additionalProperties: false, properties: { token: { type: 'string', minLength: 1, maxLength: 200 } } },
  ok: { 200: { description: 'The session opened.', schema: session } },
  errors: [401, 429],
});

/** `GET /dashboard/session`. */
export const sessionRoute = routeOptions({
  operationId: 'getDashboardSession',
  access: 'public',
  summary: 'The current dashboard session: role, who, CSRF token',
  tags: ['dashboard'],
  ok: { 200: { description: 'The session of the cookie sent.', schema: session } },
  errors: [401],
});

/** `POST /dashboard/logout`. */
export const logoutRoute = routeOptions({
  operationId: 'dashboardLogout',
  access: 'public',
  summary: 'End the dashboard session (needs its CSRF token)',
  tags: ['dashboard'],
  ok: { 200: { description: 'The session ended (or there was none).', schema: { type: 'object', required: ['ok'], additionalProperties: false, properties: { ok: { type: 'boolean' } } } } },
  errors: [403],
});

/** `POST /v1/dashboard/logins`. */
export const loginsRoute = routeOptions({
  operationId: 'createDashboardLogin',
  access: 'read',
  summary: "A one-time dashboard login token (short-lived) of the caller's role or a lesser one; a bearer token only",
  tags: ['dashboard'],
  body: {
    type: 'object',
    additionalProperties: false,
    properties: { role: { type: 'string', enum: ['admin', 'read'] }, who: { type: 'string', minLength: 1, maxLength: 100 } },
  },
  ok: {
    201: {
      description: 'The login: open `path` on the daemon within its lifetime.',
      schema: {
        type: 'object',
        required: ['token', 'expiresAt', 'role', 'path'],
        additionalProperties: false,
        properties: { token: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' }, role: { type: 'string', enum: ['admin', 'read'] }, path: { type: 'string' } },
      },
    },
  },
});
