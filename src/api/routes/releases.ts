/** Past and current releases, read from the store. */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../shared/errors.js';
import { readReleaseResult } from '../../engine/release-result.js';
import type { ApiDeps } from '../api-deps.js';

/** Registers the read-only release routes: the list and one release. */
export function registerReleaseRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Querystring: { limit?: number } }>(
    '/v1/releases',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Past releases, newest first',
        tags: ['releases'],
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 20 } }, additionalProperties: false },
      },
    },
    async (request) => ({ releases: await deps.store.releases.listByService(deps.service, { limit: request.query.limit ?? 20 }) }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/releases/:id',
    { config: { access: 'read' }, schema: { summary: 'One release with its steps and analysis', tags: ['releases'], params: { type: 'object', properties: { id: { type: 'string', minLength: 1 } } } } },
    async (request) => {
      const release = await deps.store.releases.get(request.params.id);
      if (!release || release.service !== deps.service) throw new ApiError(404, 'not_found', `no release ${request.params.id}`);
      return readReleaseResult(deps.store, release.id);
    },
  );
}
