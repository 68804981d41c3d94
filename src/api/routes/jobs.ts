/** Scheduled jobs: list (read), history (read), run now, disable and enable (admin). */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../shared/errors.js';
import type { ApiDeps } from '../api-deps.js';
import { byBody } from '../schemas/common.js';
import { jobHistorySchema, jobListSchema, jobRunAnswerSchema, jobStateSchema } from '../schemas/operations.js';
import { routeOptions } from '../../shared/route-spec.js';

const NAME = { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } } as const;

/** Registers the job routes. */
export function registerJobRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const jobs = () => {
    if (!deps.jobs) throw new ApiError(409, 'no_jobs', 'this daemon runs no jobs');
    return deps.jobs;
  };
  app.get(
    '/v1/jobs',
    routeOptions({ operationId: 'listJobs', access: 'read', summary: 'The jobs of the plan in force, with next and last run', tags: ['jobs'], errors: [409], ok: { 200: { description: 'The jobs.', schema: jobListSchema } } }),
    async () => ({ jobs: await jobs().list() }),
  );
  app.get<{ Params: { name: string }; Querystring: { limit?: number } }>(
    '/v1/jobs/:name/history',
    routeOptions({
      operationId: 'getJobHistory',
      access: 'read',
      summary: "A job's runs, newest first",
      tags: ['jobs'],
      params: NAME,
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 20 } } },
      errors: [404, 409],
      ok: { 200: { description: 'The runs.', schema: jobHistorySchema } },
    }),
    async (request) => ({ job: request.params.name, runs: await jobs().history(request.params.name, request.query.limit ?? 20) }),
  );
  app.post<{ Params: { name: string }; Body: { by?: string } }>(
    '/v1/jobs/:name/run',
    routeOptions({
      operationId: 'runJob',
      access: 'admin',
      summary: 'Run a job now and answer with the run once it ends',
      tags: ['jobs'],
      params: NAME,
      body: byBody,
      errors: [404, 409, 503],
      ok: { 200: { description: 'The run, ended.', schema: jobRunAnswerSchema } },
    }),
    async (request) => {
      const summary = (await jobs().list()).find((job) => job.name === request.params.name);
      if (summary?.disabled) throw new ApiError(409, 'job_disabled', `job ${request.params.name} is disabled; enable it first (glidepath jobs enable ${request.params.name})`);
      return { run: await jobs().run(request.params.name, 'manual') };
    },
  );
  for (const verb of ['disable', 'enable'] as const) {
    app.post<{ Params: { name: string }; Body: { by?: string } }>(
      `/v1/jobs/:name/${verb}`,
      routeOptions({
        operationId: `${verb}Job`,
        access: 'admin',
        summary: verb === 'disable' ? 'Stop a job from running (holds across restarts)' : 'Let a disabled job run again',
        description: 'The body\'s `by` (default "api") is recorded with the change.',
        tags: ['jobs'],
        params: NAME,
        body: byBody,
        errors: [404, 409],
        ok: { 200: { description: "The job's new state.", schema: jobStateSchema } },
      }),
      async (request) => ({ job: request.params.name, ...(await jobs().setDisabled(request.params.name, verb === 'disable', request.body?.by ?? 'api')) }),
    );
  }
}
