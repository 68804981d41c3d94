/** `bench:` a load test against the service, with targets it must meet. */
import { z } from 'zod';
import { httpHeaders, httpUrl } from '../../shared/value-schemas.js';
import { durationMs, fraction } from '../../shared/units-schema.js';
import { positiveInt } from './common.js';

const benchRequest = z
  .strictObject({
    path: z.string().startsWith('/', { error: 'expected a path starting with /' }).describe('Request path, with query string.'),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET').describe('HTTP method.'),
    headers: httpHeaders('Request headers.').default({}),
    body: z.string().optional().describe('Request body.'),
    weight: positiveInt('Relative share of this request in the mix.').default(1),
  })
  .describe('One request of the mix.');

export const benchSchema = z
  .strictObject({
    url: httpUrl('Base URL to load; defaults to the service\'s public address.', 'http://127.0.0.1:8080').optional(),
    duration: durationMs('How long the load runs.').prefault('30s'),
    connections: positiveInt('Concurrent connections.').default(10),
    rate: positiveInt('Requests per second to hold (open model); unset means as fast as possible.').optional(),
    requests: z.array(benchRequest).min(1, { error: 'expected at least one request' }).describe('The request mix.'),
    targets: z
      .strictObject({
        p50: durationMs('Highest acceptable median latency.').optional(),
        p95: durationMs('Highest acceptable 95th percentile latency.').optional(),
        p99: durationMs('Highest acceptable 99th percentile latency.').optional(),
        errorRate: fraction('Highest acceptable share of failed requests.').optional(),
        rps: z.number().positive().optional().describe('Lowest acceptable requests per second.'),
      })
      .default({})
      .describe('What the run must meet; a miss makes `glidepath bench` exit 1.'),
  })
  .describe('Load test.');

/** `bench:` as validated. */
export type BenchConfig = z.output<typeof benchSchema>;
