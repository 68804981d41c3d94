/** A release's launch record (JSON or Markdown) and the backups' RPO/RTO: what the dashboard shows beside releases. */
import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { backupStatus } from '../../backups/backup-status.js';
import { loadPlan } from '../../plan/load.js';
import { buildLaunchRecord } from '../../records/launch-record.js';
import { launchRecordMarkdown } from '../../records/launch-record-markdown.js';
import { ApiError } from '../../shared/errors.js';
import type { ApiDeps } from '../api-deps.js';

/** Registers `GET /v1/releases/:id/record` and `GET /v1/backups`. */
export function registerRecordRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const planFile = () => {
    if (!deps.planFile) throw new ApiError(503, 'unavailable', 'this daemon was started without a plan file');
    return deps.planFile;
  };

  app.get<{ Params: { id: string }; Querystring: { format?: 'md' | 'json' } }>(
    '/v1/releases/:id/record',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The launch record of a release, as JSON or Markdown (what glidepath report prints)',
        tags: ['releases'],
        params: { type: 'object', properties: { id: { type: 'string', minLength: 1 } } },
        querystring: { type: 'object', properties: { format: { type: 'string', enum: ['md', 'json'], default: 'json' } }, additionalProperties: false },
      },
    },
    async (request, reply) => {
      const release = await deps.store.releases.get(request.params.id);
      if (!release || release.service !== deps.service) throw new ApiError(404, 'not_found', `no release ${request.params.id}`);
      const record = await buildLaunchRecord(deps.store, release.id, dirname(planFile()));
      if (request.query.format !== 'md') return record;
      return reply
        .type('text/markdown; charset=utf-8')
        .header('content-disposition', `attachment; filename="launch-record-${release.id.replace(/[^A-Za-z0-9._-]/g, '_')}.md"`)
        .send(launchRecordMarkdown(record));
    },
  );

  app.get('/v1/backups', { config: { access: 'read' }, schema: { summary: "Each backup source's newest backup, verify state, RPO and RTO against the plan's targets", tags: ['operations'] } }, async () => {
    const { plan } = loadPlan(planFile());
    return { service: deps.service, sources: await backupStatus({ store: deps.store, plan }) };
  });
}
