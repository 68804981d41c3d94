/** Health, status, traffic, metrics and shutdown. */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps.js';
import type { HealthDocument } from '../contract.js';
import { routeOptions } from '../../shared/route-spec.js';
import { healthSchema, shutdownSchema, statusSchema, trafficSchema } from '../schemas/system.js';

/** Registers /health, /metrics, status, traffic and shutdown. */
export function registerSystemRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/health',
    routeOptions({ operationId: 'getHealth', access: 'public', summary: 'Whether the daemon runs (no token needed)', tags: ['system'], ok: { 200: { description: 'The daemon runs.', schema: healthSchema } } }),
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
    routeOptions({ operationId: 'getStatus', access: 'read', summary: 'Where traffic goes now', tags: ['releases'], ok: { 200: { description: 'Stable and canary versions, weights and the running release.', schema: statusSchema } }, errors: [503] }),
    () => deps.status(),
  );
  app.get(
    '/v1/traffic',
    routeOptions({ operationId: 'getTraffic', access: 'read', summary: 'Live share and metrics of each running version', tags: ['releases'], ok: { 200: { description: 'Each version with its weight, rps, error rate and latency.', schema: trafficSchema } }, errors: [503] }),
    () => deps.traffic(),
  );
  app.get(
    '/metrics',
    routeOptions({
      operationId: 'getMetrics',
      access: 'metrics',
      summary: 'Prometheus metrics',
      tags: ['system'],
      ok: { 200: { description: 'The Prometheus text exposition format.', contentType: 'text/plain', schema: { type: 'string' } } },
    }),
    async (_request, reply) => {
      const { contentType, text } = await deps.metrics();
      return reply.type(contentType).send(text);
    },
  );
  app.post<{ Querystring: { keepServing?: boolean } }>(
    '/v1/shutdown',
    routeOptions({
      operationId: 'shutdown',
      access: 'admin',
      summary: 'Stop the daemon and everything it runs',
      description: 'With keepServing=true only the daemon stops; the proxy and the versions go on serving for the next daemon to adopt. The daemon stops after answering.',
      tags: ['system'],
      querystring: { type: 'object', properties: { keepServing: { type: 'boolean' } }, additionalProperties: false },
      ok: { 202: { description: 'The daemon stops once this answer is sent.', schema: shutdownSchema } },
    }),
    async (request, reply) => {
      const keepServing = request.query.keepServing === true;
      await reply.code(202).send({ stopping: true, keepServing });
      deps.shutdown({ keepServing });
    },
  );
}
