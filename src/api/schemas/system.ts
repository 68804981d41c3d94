/** Schemas of health, status, traffic, metrics and shutdown. */
import { exact, nullableNumber } from './common.js';

/** `GET /health`. */
export const healthSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'service', 'pid', 'startedAt', 'glidepath'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    service: { type: 'string' },
    plan: { type: 'string', description: 'the plan file the daemon serves' },
    pid: { type: 'integer' },
    startedAt: { type: 'string' },
    glidepath: { type: 'string', description: "glidepath's version" },
  },
} as const;

const share = { type: ['object', 'null'], additionalProperties: false, required: ['version', 'weight'], properties: { version: { type: 'string' }, weight: { type: 'number' } } } as const;

/** `GET /v1/status`, as `status --json` prints it. */
export const statusSchema = exact({
  service: { type: 'string' },
  stable: share,
  canary: share,
  release: {
    type: ['object', 'null'],
    additionalProperties: false,
    required: ['id', 'status', 'step'],
    properties: { id: { type: 'string' }, status: { type: 'string' }, step: { type: ['integer', 'null'] } },
  },
});

/** `GET /v1/traffic`. */
export const trafficSchema = exact({
  service: { type: 'string' },
  windowMs: { type: 'number' },
  versions: {
    type: 'array',
    items: exact({
      version: { type: 'string' },
      state: { type: 'string' },
      weight: { type: 'number' },
      requests: { type: 'number' },
      rps: { type: 'number' },
      errorRate: { type: 'number' },
      p50: nullableNumber,
      p95: nullableNumber,
      p99: nullableNumber,
    }),
  },
});

/** `POST /v1/shutdown`. */
export const shutdownSchema = exact({ stopping: { type: 'boolean', enum: [true] }, keepServing: { type: 'boolean' } });
