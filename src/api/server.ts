/** The daemon's HTTP API (Fastify): auth, error mapping, OpenAPI document, and the route modules. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv } from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { registerDashboard } from '../dashboard/dashboard-routes.js';
import { ApiError, EXIT, GlidepathError, PlanError, describeError } from '../shared/errors.js';
import type { ApiDeps } from './api-deps.js';
import type { ErrorBody } from './contract.js';
import { registerBackupRoutes } from './routes/backups.js';
import { registerControlRoutes } from './routes/control.js';
import { registerEventRoutes } from './routes/events.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerOperationsRoutes } from './routes/operations.js';
import { registerReleaseRoutes } from './routes/releases.js';
import { registerSystemRoutes } from './routes/system.js';
import { errorBodySchema, type Access } from '../shared/route-spec.js';
import { roleOf, type TokenRole } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    role?: TokenRole;
  }
  interface FastifyContextConfig {
    /** The least role a route needs; `public` routes need no token, `metrics` ones take the metrics token too. */
    access?: Access;
  }
}

function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

// Fastify's message for a schema failure, naming the offending key where Ajv only says that there is one.
function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  const key = first?.params?.['additionalProperty'];
  if (typeof key !== 'string') return error.message;
  const where = `${error.validationContext ?? 'input'}${first?.instancePath ?? ''}`;
  return `${where} has an unknown key "${key}"`;
}

const OPENAPI = (deps: ApiDeps) => ({
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'glidepath daemon API',
      version: deps.glidepathVersion,
      description:
        `Releases, events, operations and metrics of ${deps.service}. Every call but /health takes a bearer token ` +
        '(.glidepath/token): the read token may look, the admin token may also act, the metrics token may only scrape ' +
        '/metrics. Each operation names the least role it needs in `x-glidepath-role` and as the scope of its security requirement. ' +
        'Every answer carries `Server-Timing: app;dur=MS`, the milliseconds the daemon took to make it.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'the daemon itself (daemon.listen in the plan)' }],
    tags: [
      { name: 'system', description: 'Health, metrics and the daemon itself.' },
      { name: 'releases', description: 'Traffic, releases and steering them.' },
      { name: 'events', description: 'The event stream.' },
      { name: 'jobs', description: 'Scheduled jobs.' },
      { name: 'operations', description: 'Monitors, alerts, silences and backups.' },
      { name: 'dashboard', description: 'The dashboard\'s logins and sessions (the browser\'s way in; actions then use the routes above).' },
    ],
    components: { securitySchemes: { bearer: { type: 'http' as const, scheme: 'bearer', description: 'A token of .glidepath/token (admin or read) or .glidepath/metrics-token.' } } },
  },
  // Shared schemas keep their own names in the document (#/components/schemas/ErrorBody).
  refResolver: { buildLocalReference: (json: { $id?: unknown }, _base: unknown, _fragment: unknown, i: number) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
});

/** Builds the API (not yet listening); `app.listen` or `app.inject` runs it. */
export async function buildApiServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  // Fastify's default Ajv coerces types and drops unknown keys, so `{"yes": "true"}` would confirm and a typo'd key
  // would vanish. A JSON body is taken as it is: a wrong type or an unknown key is a 400 and changes nothing. Query
  // strings and path parameters arrive as text, so only they are coerced (`?limit=5` is the number 5).
  const exact = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false });
  const fromText = new Ajv({ coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? exact : fromText).compile(schema));
  // The steering endpoints take an optional body: a bare POST (no body, no content type) is the same as `{}`.
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && request.body === undefined && request.headers['content-type'] === undefined) request.body = {};
  });

  // Answers are sent as the handlers make them: the response schemas document them (and a test holds them to it), but
  // never filter or convert them, as Fastify's schema-driven serializer would.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // Every answer says how long the daemon took to make it, which a browser's Resource Timing shows beside the
  // network time (the dashboard's load measurement splits each call into the two). The first hook of all, so the
  // time counts the token check too; Fastify's own reply.elapsedTime runs only with its logger on.
  const received = new WeakMap<object, number>();
  app.addHook('onRequest', async (request) => void received.set(request, performance.now()));
  app.addHook('onSend', async (request, reply, payload) => {
    const since = received.get(request);
    if (since !== undefined) void reply.header('server-timing', `app;dur=${(performance.now() - since).toFixed(1)}`);
    return payload;
  });
  app.addSchema(errorBodySchema);
  await app.register(swagger, OPENAPI(deps));
  // The API description holds no data; the Authorize button of the UI takes a token for the calls themselves.
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // Before the token check: a dashboard session (cookie + CSRF header) stands in for its role's bearer token.
  registerDashboard(app, { tokens: deps.tokens });

  app.addHook('onRequest', async (request, reply) => {
    // Unmatched URLs need a token too (then get 404); routes without a declared access need the admin token.
    const access = request.routeOptions.url === undefined ? 'read' : (request.routeOptions.config.access ?? (request.url.startsWith('/docs') ? 'public' : 'admin'));
    if (access === 'public') return;
    const role = roleOf(request.headers.authorization, deps.tokens);
    if (!role) {
      await reply.code(401).header('www-authenticate', 'Bearer').send(errorBody('unauthorized', 'a bearer token is required (see .glidepath/token)'));
      return reply;
    }
    if (role === 'metrics' && access !== 'metrics') {
      await reply.code(403).send(errorBody('forbidden', 'the metrics token may only scrape /metrics'));
      return reply;
    }
    if (access === 'admin' && role !== 'admin') {
      await reply.code(403).send(errorBody('forbidden', 'this needs the admin token; the read-only token may only look'));
      return reply;
    }
    request.role = role;
  });

  app.setErrorHandler((error: FastifyError | GlidepathError, request, reply) => {
    // Every 5xx is the daemon's fault or its peers': the operator finds its cause in the log.
    const logged = (status: number) => {
      if (status >= 500) deps.logger?.error({ method: request.method, url: request.url.split('?')[0], status, err: error }, `${request.method} ${request.url.split('?')[0] ?? ''} answered ${status}: ${describeError(error)}`);
      return reply.code(status);
    };
    if (error instanceof ApiError) return logged(error.status).send(errorBody(error.code, error.message));
    if (error instanceof PlanError) return reply.code(400).send(errorBody(error.code, error.message, error.issues));
    if (error instanceof GlidepathError) {
      const status = error.exitCode === EXIT.input ? 400 : error.code === 'lock_held' ? 409 : 503;
      return logged(status).send(errorBody(error.code, describeError(error)));
    }
    if ('validation' in error && error.validation) return reply.code(400).send(errorBody('bad_request', validationMessage(error), error.validation));
    const status = 'statusCode' in error && typeof error.statusCode === 'number' && error.statusCode < 500 ? error.statusCode : 500;
    return logged(status).send(errorBody(status === 500 ? 'internal' : 'bad_request', status === 500 ? 'internal error; see the daemon log' : error.message));
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`)));

  registerSystemRoutes(app, deps);
  registerReleaseRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerControlRoutes(app, deps);
  registerJobRoutes(app, deps);
  registerOperationsRoutes(app, deps);
  registerBackupRoutes(app, deps);
  return app;
}
