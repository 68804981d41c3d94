/** Scheduled jobs: list (read), history (read), run now, disable and enable (admin). */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../shared/errors.js';
import type { ApiDeps } from '../api-deps.js';

const NAME = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } } as const;
const BY = { type: 'object', additionalProperties: false, properties: { by: { type: 'string', minLength: 1, maxLength: 200 } } } as const;

/** Registers the job routes. */
export function registerJobRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const jobs = () => {
    if (!deps.jobs) throw new ApiError(409, 'no_jobs', 'this daemon runs no jobs');
    return deps.jobs;
  };

  app.get('/v1/jobs', { config: { access: 'read' }, schema: { summary: 'The jobs of the plan in force, with next and last run', tags: ['jobs'] } }, async () => ({
    jobs: await jobs().list(),
  }));

  app.get<{ Params: { name: string }; Querystring: { limit?: number } }>(
    '/v1/jobs/:name/history',
    {
      config: { access: 'read' },
      schema: {
        summary: "A job's runs, newest first",
        tags: ['jobs'],
        params: NAME,
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 20 } } },
      },
    },
    async (request) => ({ job: request.params.name, runs: await jobs().history(request.params.name, request.query.limit ?? 20) }),
  );

  app.post<{ Params: { name: string }; Body: { by?: string } }>(
    '/v1/jobs/:name/run',
    { config: { access: 'admin' }, schema: { summary: 'Run a job now and answer with the run once it ends', tags: ['jobs'], params: NAME, body: BY } },
    async (request) => {
      const summary = (await jobs().list()).find((job) => job.name === request.params.name);
      if (summary?.disabled) throw new ApiError(409, 'job_disabled', `job ${request.params.name} is disabled; enable it first (glidepath jobs enable ${request.params.name})`);
      return { run: await jobs().run(request.params.name, 'manual') };
    },
  );

  for (const verb of ['disable', 'enable'] as const) {
    app.post<{ Params: { name: string }; Body: { by?: string } }>(
      `/v1/jobs/:name/${verb}`,
      {
        config: { access: 'admin' },
        schema: { summary: verb === 'disable' ? 'Stop a job from running (holds across restarts)' : 'Let a disabled job run again', tags: ['jobs'], params: NAME, body: BY },
      },
      async (request) => ({ job: request.params.name, ...(await jobs().setDisabled(request.params.name, verb === 'disable', request.body?.by ?? 'api')) }),
    );
  }
}
