/** `bench:` a load test against the service, with targets it must meet. */
import { z } from 'zod';
import { httpHeaders, httpUrl } from '../../shared/value-schemas.js';
import { durationMs, fraction } from '../../shared/units-schema.js';
import { positiveInt } from './common.js';

/** Default duration of a load test. */
export const DEFAULT_BENCH_DURATION = '30s';
/** Default number of keep-alive connections. */
export const DEFAULT_BENCH_CONNECTIONS = 10;
/** Default time one request may take before it counts as a timeout. */
export const DEFAULT_BENCH_TIMEOUT = '10s';

const latencyTargets = {
  p50: durationMs('Highest acceptable median latency.').optional(),
  p90: durationMs('Highest acceptable 90th percentile latency.').optional(),
  p95: durationMs('Highest acceptable 95th percentile latency.').optional(),
  p99: durationMs('Highest acceptable 99th percentile latency.').optional(),
  max: durationMs('Highest acceptable latency of any request.').optional(),
  errorRate: fraction('Highest acceptable share of failed requests (4xx, 5xx, or no answer).').optional(),
};

const benchRequest = z
  .strictObject({
    name: z.string().min(1).max(100).optional().describe('Name in the report and its targets; default: method and path.'),
    path: z.string().startsWith('/', { error: 'expected a path starting with /' }).regex(/^\S+$/, { error: 'expected a path without spaces' }).describe('Request path, with query string.'),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET').describe('HTTP method.'),
    headers: httpHeaders('Request headers.').default({}),
    body: z.string().optional().describe('Request body.'),
    weight: positiveInt('Relative share of this request in the mix.').default(1),
    targets: z
      .strictObject(latencyTargets)
      .optional()
      .describe("This request's own targets (its latency and error rate alone), judged as `<name> p95` and so on."),
  })
  .describe('One request of the mix.');

export const benchSchema = z
  .strictObject({
    url: httpUrl('Base URL to load; defaults to the service\'s public address.', 'http://127.0.0.1:8080').optional(),
    duration: durationMs('How long the load runs.').prefault(DEFAULT_BENCH_DURATION),
    count: positiveInt('Stop after this many requests (or at the end of `duration`, whichever comes first).').optional(),
    connections: positiveInt('Concurrent keep-alive connections.').default(DEFAULT_BENCH_CONNECTIONS),
    rate: positiveInt(
      'Requests per second to send on a fixed schedule (open model: latency counts from when a request was due, so a slow answer cannot hide the wait of the ones behind it); unset sends as fast as answers come.',
    ).optional(),
    timeout: durationMs('Time one request may take before it counts as a timeout.').prefault(DEFAULT_BENCH_TIMEOUT),
    requests: z
      .array(benchRequest)
      .min(1, { error: 'expected at least one request' })
      .superRefine((requests, ctx) => {
        const seen = new Set<string>();
        requests.forEach((request, i) => {
          const name = request.name ?? `${request.method} ${request.path}`;
          if (seen.has(name) && request.targets !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `another request is named "${name}" too: give each request with targets its own name` });
          seen.add(name);
        });
      })
      .describe('The request mix.'),
    targets: z
      .strictObject({ ...latencyTargets, rps: z.number().positive().optional().describe('Lowest acceptable requests per second.') })
      .default({})
      .describe('What the run must meet, all requests together; a miss makes `glidepath bench` exit 1.'),
  })
  .describe('Load test: `glidepath bench`, a `bench: {}` canary step, or a `bench: {}` verify item.');

/** `bench:` as validated. */
export type BenchConfig = z.output<typeof benchSchema>;

/** `bench: {}` as a canary step or a verify item: the plan's `bench:` run against the new version, optionally shorter. */
export const benchUseSchema = z
  .strictObject({
    duration: durationMs('Run this long instead of `bench.duration`.').optional(),
    count: positiveInt('Stop after this many requests instead.').optional(),
  })
  .describe("Run the plan's `bench:` against the new version (its own address); a missed target rolls the release back.");

/** A `bench: {}` step or verify item as validated. */
export type BenchUse = z.output<typeof benchUseSchema>;
