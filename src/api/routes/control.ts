/** Steering releases: deploy, promote, pause, resume, abort, rollback (admin token only). */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../shared/errors.js';
import { readMaintenanceLock } from '../../store/maintenance-lock.js';
import type { ApiDeps, ReleaseControl } from '../api-deps.js';

const VERSION = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]*$' } as const;
const BY = { type: 'string', minLength: 1, maxLength: 200 } as const;

interface DeployBody {
  version: string;
  owner?: string;
  yes?: boolean;
  notes?: string;
  participants?: string[];
  retryOf?: string;
  plan?: { file?: string; text?: string };
}

const RETRYABLE = new Set(['aborted', 'failed', 'rolled_back']);

/** Registers the routes that start and steer releases. */
export function registerControlRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const control = (): ReleaseControl => {
    if (!deps.releases) throw new ApiError(409, 'no_target', `the plan of ${deps.service} has no target to release to`);
    return deps.releases;
  };

  app.post<{ Body: DeployBody }>(
    '/v1/releases',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Start a release of a version; progress follows on /v1/events?release=ID',
        tags: ['releases'],
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
      },
    },
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
      {
        config: { access: 'admin' },
        schema: {
          summary: `${verb[0]?.toUpperCase() ?? ''}${verb.slice(1)} the running release`,
          tags: ['releases'],
          body: { type: 'object', additionalProperties: false, properties: { by: BY } },
        },
      },
      async (request) => {
        await control()[verb](request.body?.by ?? 'api');
        return { ok: true, action: verb };
      },
    );
  }

  app.post<{ Body: { to?: string; by?: string } }>(
    '/v1/rollback',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Roll back the last release (to the previous version, or to a named one)',
        tags: ['releases'],
        body: { type: 'object', additionalProperties: false, properties: { to: VERSION, by: BY } },
      },
    },
    async (request, reply) => reply.code(202).send(await control().rollback({ to: request.body?.to, by: request.body?.by ?? 'api' })),
  );
}
