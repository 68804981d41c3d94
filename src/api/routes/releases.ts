/** Past and current releases, read from the store: the list (filtered, paged), one release and its launch record. */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../shared/errors.js';
import { readReleaseResult } from '../../engine/release-result.js';
import { RELEASE_STATUSES, TERMINAL_RELEASE_STATUSES, type ReleaseStatus } from '../../store/index.js';
import type { ApiDeps } from '../api-deps.js';
import type { ReleasePage } from '../contract.js';
import { cursorAfter, readCursor, releaseSummary } from '../release-summary.js';
import { releaseDocumentSchema, releaseIdParams, releaseListQuery, releasePageSchema } from '../schemas/releases.js';
import { routeOptions } from '../../shared/route-spec.js';

type StatusFilter = ReleaseStatus | 'active' | 'finished';

/** The statuses a filter names: `active` is every state but the terminal ones, `finished` every terminal one. */
function statusesOf(filter: readonly StatusFilter[] | undefined): ReleaseStatus[] | undefined {
  if (!filter || filter.length === 0) return undefined;
  const statuses = new Set<ReleaseStatus>();
  for (const item of filter) {
    if (item === 'finished') TERMINAL_RELEASE_STATUSES.forEach((s) => statuses.add(s));
    else if (item === 'active') RELEASE_STATUSES.filter((s) => !TERMINAL_RELEASE_STATUSES.includes(s)).forEach((s) => statuses.add(s));
    else statuses.add(item);
  }
  return [...statuses];
}

/** Registers the read-only release routes: the list, one release and its launch record. */
export function registerReleaseRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const known = async (id: string) => {
    const release = await deps.store.releases.get(id);
    if (!release || release.service !== deps.service) throw new ApiError(404, 'not_found', `no release ${id}`);
    return release;
  };

  app.get<{ Querystring: { limit?: number; status?: StatusFilter[]; version?: string; cursor?: string } }>(
    '/v1/releases',
    routeOptions({
      operationId: 'listReleases',
      access: 'read',
      summary: 'Releases, newest first, filtered and paged',
      description: 'Filter by status (or active / finished) and version; page with ?cursor=nextCursor. A page costs the same however deep it is.',
      tags: ['releases'],
      querystring: releaseListQuery,
      ok: { 200: { description: 'One page of releases.', schema: releasePageSchema } },
    }),
    async (request): Promise<ReleasePage> => {
      const limit = request.query.limit ?? 20;
      const rows = await deps.store.releases.page(deps.service, {
        limit: limit + 1,
        statuses: statusesOf(request.query.status),
        version: request.query.version,
        after: request.query.cursor === undefined ? undefined : readCursor(request.query.cursor),
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { releases: page.map(releaseSummary), nextCursor: rows.length > limit && last ? cursorAfter(last) : null };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/releases/:id',
    routeOptions({
      operationId: 'getRelease',
      access: 'read',
      summary: 'One release with its steps and analysis',
      description: 'The shape `deploy --json` prints: the steps with their details, and every analysis measurement with its verdict and reason.',
      tags: ['releases'],
      params: releaseIdParams,
      errors: [404],
      ok: { 200: { description: 'The release.', schema: releaseDocumentSchema } },
    }),
    async (request) => readReleaseResult(deps.store, (await known(request.params.id)).id),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/releases/:id/record',
    routeOptions({
      operationId: 'getLaunchRecord',
      access: 'read',
      summary: "A release's launch record as Markdown",
      description: 'The same text as `glidepath report ID --format md`.',
      tags: ['releases'],
      params: releaseIdParams,
      errors: [404, 503],
      ok: { 200: { description: 'The launch record.', contentType: 'text/markdown', schema: { type: 'string' } } },
    }),
    async (request, reply) => {
      const release = await known(request.params.id);
      if (!deps.launchRecord) throw new ApiError(503, 'unavailable', 'launch records are not served by this daemon');
      const markdown = await deps.launchRecord(release.id);
      return reply.type('text/markdown; charset=utf-8').header('content-disposition', `attachment; filename="launch-record-${release.id}.md"`).send(markdown);
    },
  );
}
