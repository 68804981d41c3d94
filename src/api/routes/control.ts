/** Steering releases: deploy, promote, pause, resume, abort, rollback (admin token only). */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../shared/errors.js';
import { readMaintenanceLock } from '../../store/maintenance-lock.js';
import type { ApiDeps, ReleaseControl } from '../api-deps.js';
import { by as BY, byBody, versionName as VERSION } from '../schemas/common.js';
import { startedSchema, steeredSchema } from '../schemas/releases.js';
import { routeOptions } from '../../shared/route-spec.js';

interface DeployBody {
  version: string;
  owner?: string;
  yes?: boolean;
  notes?: string;
  participants?: string[];
  retryOf?: string;
  plan?: { file?: string; text?: string };
}

const STEER = {
  promote: 'Skips the remaining steps: the new version takes all traffic.',
  pause: 'Holds the release at its current step until resumed.',
  resume: 'Goes on with a paused release.',
  abort: 'Stops the release and returns traffic to the stable version (status aborted).',
} as const;

const RETRYABLE = new Set(['aborted', 'failed', 'rolled_back']);

/** Registers the routes that start and steer releases. */
export function registerControlRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const control = (): ReleaseControl => {
    if (!deps.releases) throw new ApiError(409, 'no_target', `the plan of ${deps.service} has no target to release to`);
    return deps.releases;
  };

  app.post<{ Body: DeployBody }>(
    '/v1/releases',
    routeOptions({
      operationId: 'startRelease',
      access: 'admin',
      summary: 'Start a release of a version',
      description: 'Answers once the release is recorded; it goes on in the daemon and its progress follows on /v1/events?release=ID.',
      tags: ['releases'],
      errors: [404, 409, 503],
      ok: { 202: { description: 'The release started and goes on.', schema: startedSchema } },
      body: {
          type: 'object',
          required: ['version'],
          additionalProperties: false,
          properties: {
            version: VERSION,
            owner: BY,
            yes: { type: 'boolean' },
            notes: { type: 'string', maxLength: 100_000 },
            participants: { type: 'array', maxItems: 50, items: BY },
            retryOf: { type: 'string', minLength: 1, maxLength: 128, description: 'id of the aborted, failed or rolled-back release this one runs again' },
            // The plan to run, as the caller read it; without it the daemon reads its plan file from disk.
            plan: {
              type: 'object',
              additionalProperties: false,
              properties: { file: { type: 'string', minLength: 1, maxLength: 4096 }, text: { type: 'string', maxLength: 1_000_000 } },
            },
          },
        },
    }),
    async (request, reply) => {
      const { version, owner, yes, notes, participants, retryOf, plan } = request.body;
      // A maintenance window (`glidepath lock acquire`) holds every new release until it is released.
      const lock = await readMaintenanceLock(deps.store.locks, deps.service);
      if (lock) {
        throw new ApiError(409, 'locked', `${deps.service} is locked by ${lock.by} since ${lock.since}${lock.message ? `: ${lock.message}` : ''}; no release starts until glidepath lock release`);
      }
      if (retryOf !== undefined) {
        const earlier = await deps.store.releases.get(retryOf);
        if (!earlier || earlier.service !== deps.service) throw new ApiError(404, 'not_found', `no release ${retryOf} of ${deps.service} to retry`);
        if (!RETRYABLE.has(earlier.status)) throw new ApiError(409, 'not_retryable', `release ${retryOf} is ${earlier.status}; only an aborted, failed or rolled-back release can be retried`);
        if (earlier.version !== version) throw new ApiError(400, 'retry_version', `release ${retryOf} released ${earlier.version}, not ${version}`);
      }
      const started = await control().deploy(version, { owner: owner ?? 'api', yes: yes ?? false, notes, participants, retryOf, plan });
      return reply.code(202).send(started);
    },
  );

  for (const verb of ['promote', 'pause', 'resume', 'abort'] as const) {
    app.post<{ Body: { by?: string } }>(
      `/v1/release/${verb}`,
      routeOptions({
        operationId: `${verb}Release`,
        access: 'admin',
        summary: `${verb[0]?.toUpperCase() ?? ''}${verb.slice(1)} the running release`,
        description: `${STEER[verb]} The body's \`by\` (default "api") is recorded with the action in the release's events and its launch record.`,
        tags: ['releases'],
        body: byBody,
        errors: [409, 503],
        ok: { 200: { description: 'Done.', schema: steeredSchema } },
      }),
      async (request) => {
        await control()[verb](request.body?.by ?? 'api');
        return { ok: true, action: verb };
      },
    );
  }

  app.post<{ Body: { to?: string; by?: string } }>(
    '/v1/rollback',
    routeOptions({
      operationId: 'rollback',
      access: 'admin',
      summary: 'Roll back the last release (to the previous version, or to a named one)',
      description: 'Starts a rollback release and answers with its id; it goes on in the daemon. `by` (default "api") is recorded.',
      tags: ['releases'],
      body: { type: 'object', additionalProperties: false, properties: { to: VERSION, by: BY } },
      errors: [409, 503],
      ok: { 202: { description: 'The rollback started and goes on.', schema: startedSchema } },
    }),
    async (request, reply) => reply.code(202).send(await control().rollback({ to: request.body?.to, by: request.body?.by ?? 'api' })),
  );
}
