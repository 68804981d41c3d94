/** Past and current releases, read from the store. */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../shared/errors.js';
import type { Store } from '../../store/index.js';
import type { ApiDeps } from '../api-deps.js';
import type { ReleaseDocument } from '../contract.js';

/** A stored release with its steps and analysis, in the shape `deploy --json` prints. */
export async function releaseDocument(store: Store, id: string): Promise<ReleaseDocument | undefined> {
  const release = await store.releases.get(id);
  if (!release) return undefined;
  const steps = await store.steps.listForRelease(id);
  const analysis = Array.isArray(release.state.analysis) ? (release.state.analysis as unknown as ReleaseDocument['analysis']) : [];
  return {
    id: release.id,
    service: release.service,
    version: release.version,
    previousVersion: release.previousVersion,
    strategy: release.strategy,
    status: release.status,
    reason: release.reason,
    startedAt: release.startedAt,
    finishedAt: release.finishedAt,
    steps: steps.map((step) => ({ kind: step.kind, status: step.status, startedAt: step.startedAt, finishedAt: step.finishedAt, detail: step.detail })),
    analysis,
  };
}

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
      const document = await releaseDocument(deps.store, request.params.id);
      if (!document || document.service !== deps.service) throw new ApiError(404, 'not_found', `no release ${request.params.id}`);
      return document;
    },
  );
}
