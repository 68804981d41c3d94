/** Monitors, alert rules and silences. */
import type { FastifyInstance } from 'fastify';
import { parseDuration } from '../../shared/duration.js';
import { ApiError } from '../../shared/errors.js';
import type { ApiDeps, OperationsControl } from '../api-deps.js';
import { alertHistorySchema, alertsSchema, monitorsSchema, silenceEndedSchema, silenceSchema, silencesSchema } from '../schemas/operations.js';
import { routeOptions } from '../../shared/route-spec.js';

function operationsOf(deps: ApiDeps): OperationsControl {
  if (!deps.operations) throw new ApiError(503, 'unavailable', 'monitors and alert rules are not running in this daemon');
  return deps.operations;
}

/** Registers /v1/monitors, /v1/alerts, /v1/alerts/history and /v1/silences. */
export function registerOperationsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/v1/monitors',
    routeOptions({ operationId: 'listMonitors', access: 'read', summary: 'Monitors: state and uptime over 24 h, 7 d and 30 d', tags: ['operations'], errors: [503], ok: { 200: { description: 'Each monitor and the newest state changes.', schema: monitorsSchema } } }),
    () => operationsOf(deps).monitors(),
  );
  app.get(
    '/v1/alerts',
    routeOptions({ operationId: 'listAlerts', access: 'read', summary: 'Alert rules and their state', tags: ['operations'], errors: [503], ok: { 200: { description: 'Each rule: state, value, silences.', schema: alertsSchema } } }),
    () => operationsOf(deps).alerts(),
  );

  app.get<{ Querystring: { rule?: string; limit?: number } }>(
    '/v1/alerts/history',
    routeOptions({
      operationId: 'getAlertHistory',
      access: 'read',
      summary: 'State changes of alert rules, newest first',
      tags: ['operations'],
      querystring: { type: 'object', properties: { rule: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } }, additionalProperties: false },
      errors: [503],
      ok: { 200: { description: 'The changes.', schema: alertHistorySchema } },
    }),
    (request) => operationsOf(deps).alertHistory({ rule: request.query.rule, limit: request.query.limit }),
  );

  app.get<{ Querystring: { all?: boolean } }>(
    '/v1/silences',
    routeOptions({
      operationId: 'listSilences',
      access: 'read',
      summary: 'Silences in effect (all of them with ?all=true)',
      tags: ['operations'],
      querystring: { type: 'object', properties: { all: { type: 'boolean', default: false } }, additionalProperties: false },
      errors: [503],
      ok: { 200: { description: 'The silences.', schema: silencesSchema } },
    }),
    (request) => operationsOf(deps).silences(request.query.all ?? false),
  );

  app.post<{ Body: { matchers: string[]; author: string; comment: string; duration: string } }>(
    '/v1/silences',
    routeOptions({
      operationId: 'createSilence',
      access: 'admin',
      summary: 'Silence alerts whose labels match, until the duration is over',
      description: 'Matchers are `name=value`, `name!=value`, `name=~regex` or `name!~regex`; the author is recorded.',
      tags: ['operations'],
      errors: [503],
      ok: { 201: { description: 'The silence, in effect now.', schema: silenceSchema } },
      body: {
          type: 'object',
          required: ['matchers', 'author', 'comment', 'duration'],
          additionalProperties: false,
          properties: {
            matchers: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
            author: { type: 'string', minLength: 1 },
            comment: { type: 'string', minLength: 1 },
            duration: { type: 'string', minLength: 1, description: 'e.g. 30m, 2h, 1d' },
          },
        },
    }),
    async (request, reply) => {
      const durationMs = parseDuration(request.body.duration);
      if (durationMs === undefined || durationMs <= 0) throw new ApiError(400, 'bad_request', `duration "${request.body.duration}" is not a duration like 30m, 2h or 1d`);
      const silence = await operationsOf(deps).silence({ ...request.body, durationMs });
      return reply.code(201).send(silence);
    },
  );

  app.post<{ Params: { id: string }; Body: { by?: string } }>(
    '/v1/silences/:id/end',
    routeOptions({
      operationId: 'endSilence',
      access: 'admin',
      summary: 'End a silence now',
      description: 'The body\'s `by` (default "api") is recorded.',
      tags: ['operations'],
      params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 128 } } },
      body: { type: 'object', additionalProperties: false, properties: { by: { type: 'string', minLength: 1, maxLength: 200 } } },
      errors: [404, 503],
      ok: { 200: { description: 'Ended.', schema: silenceEndedSchema } },
    }),
    async (request) => {
      await operationsOf(deps).unsilence(request.params.id, request.body.by ?? 'api');
      return { id: request.params.id, ended: true };
    },
  );
}
