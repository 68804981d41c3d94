/** Health, status, metrics and shutdown. */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps.js';
import type { HealthDocument } from '../contract.js';

const statusSchema = {
  type: 'object',
  properties: {
    service: { type: 'string' },
    stable: { type: ['object', 'null'], properties: { version: { type: 'string' }, weight: { type: 'number' } } },
    canary: { type: ['object', 'null'], properties: { version: { type: 'string' }, weight: { type: 'number' } } },
    release: { type: ['object', 'null'], properties: { id: { type: 'string' }, status: { type: 'string' }, step: { type: ['number', 'null'] } } },
  },
} as const;

/** Registers /health, /metrics, status, traffic and shutdown. */
export function registerSystemRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/health',
    { config: { access: 'public' }, schema: { summary: 'Whether the daemon runs (no token needed)', security: [], tags: ['system'] } },
    (): HealthDocument => ({
      status: 'ok',
      service: deps.service,
      plan: deps.planFile,
      pid: process.pid,
      startedAt: deps.startedAt.toISOString(),
      glidepath: deps.glidepathVersion,
    }),
  );

  app.get(
    '/v1/status',
    { config: { access: 'read' }, schema: { summary: 'Where traffic goes now', tags: ['releases'], response: { 200: statusSchema } } },
    () => deps.status(),
  );

  app.get('/v1/traffic', { config: { access: 'read' }, schema: { summary: 'Live share and metrics of each running version', tags: ['releases'] } }, () =>
    deps.traffic(),
  );

  app.get('/metrics', { config: { access: 'metrics' }, schema: { summary: 'Prometheus metrics', tags: ['system'] } }, async (_request, reply) => {
    const { contentType, text } = await deps.metrics();
    return reply.type(contentType).send(text);
  });

  app.post<{ Querystring: { keepServing?: boolean } }>(
    '/v1/shutdown',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Stop the daemon and everything it runs (with keepServing: only the daemon; the proxy and versions go on serving)',
        tags: ['system'],
        querystring: { type: 'object', properties: { keepServing: { type: 'boolean' } }, additionalProperties: false },
      },
    },
    async (request, reply) => {
      const keepServing = request.query.keepServing === true;
      await reply.code(202).send({ stopping: true, keepServing });
      deps.shutdown({ keepServing });
    },
  );
}
