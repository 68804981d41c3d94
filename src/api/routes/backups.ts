/** Backups: per source the RPO and RTO against the plan's targets, and the catalog (read). */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../shared/errors.js';
import type { ApiDeps } from '../api-deps.js';
import { backupsSchema } from '../schemas/operations.js';
import { routeOptions } from '../../shared/route-spec.js';

/** Registers GET /v1/backups. */
export function registerBackupRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Querystring: { source?: string; all?: boolean } }>(
    '/v1/backups',
    routeOptions({
      operationId: 'listBackups',
      access: 'read',
      summary: 'Backups per source with RPO and RTO against their targets, and the catalog, newest first',
      description: 'The document `glidepath backup list --json` prints. ?all=true includes pruned backups; ?source= only one source.',
      tags: ['operations'],
      querystring: { type: 'object', additionalProperties: false, properties: { source: { type: 'string', minLength: 1, maxLength: 200 }, all: { type: 'boolean', default: false } } },
      errors: [503],
      ok: { 200: { description: 'Sources and backups.', schema: backupsSchema } },
    }),
    async (request) => {
      if (!deps.backups) throw new ApiError(503, 'unavailable', 'backups are not served by this daemon');
      return deps.backups({ source: request.query.source, all: request.query.all ?? false });
    },
  );
}
