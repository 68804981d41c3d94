/** Schemas of releases: the list (contract DTOs, filtered and paged), one release, its record, steering. */
import { RELEASE_STATUSES, TERMINAL_RELEASE_STATUSES } from '../../store/release-repository.js';
import { anyObject, exact, nullableNumber, nullableString, nullableTime, time } from './common.js';

/** A release in the list: what a person asks of the history, without the engine's internal state. */
export const releaseSummarySchema = exact(
  {
    id: { type: 'string' },
    service: { type: 'string' },
    version: { type: 'string' },
    previousVersion: { ...nullableString, description: 'the version that served before (from version)' },
    strategy: { type: 'string' },
    status: { type: 'string', enum: [...RELEASE_STATUSES] },
    outcome: { type: ['string', 'null'], enum: [...TERMINAL_RELEASE_STATUSES, null], description: 'how it ended; null while it runs' },
    reason: nullableString,
    startedBy: { ...nullableString, description: 'who started it' },
    startedAt: time,
    finishedAt: nullableTime,
    durationMs: { ...nullableNumber, description: 'finishedAt − startedAt; null while it runs' },
    step: { type: ['integer', 'null'], description: 'index of the step running now (null before the rollout and after the end)' },
  },
  'A release as the history lists it.',
);

/** `GET /v1/releases` query: filter by status or version, page with a cursor (or an offset), at most `limit`. */
export const releaseListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 20 },
    status: {
      type: 'array',
      items: { type: 'string', enum: [...RELEASE_STATUSES, 'active', 'finished'] },
      description: 'only releases in these states (repeat the parameter for several; active = not finished, finished = any outcome)',
    },
    version: { type: 'string', minLength: 1, maxLength: 128 },
    cursor: { type: 'string', minLength: 1, maxLength: 400, description: 'nextCursor of the previous page' },
  },
} as const;

/** One page of the release list. */
export const releasePageSchema = exact({
  releases: { type: 'array', items: releaseSummarySchema },
  nextCursor: { ...nullableString, description: 'pass as ?cursor= for the next page; null on the last page' },
});

/** One step of a release, as `deploy --json` prints it. */
export const releaseStepSchema = exact({ kind: { type: 'string' }, status: { type: 'string' }, startedAt: nullableTime, finishedAt: nullableTime, detail: anyObject });

const evidenceCounts = exact({ requests: { type: 'integer' }, errors: { type: ['integer', 'null'], description: 'null for latency' } });

/** The evidence of a `compare:` metric's sequential test at one look. */
export const evidenceSchema = exact(
  {
    test: { type: 'string', enum: ['error_rate', 'latency'] },
    sequential: { type: 'string', enum: ['pass', 'fail', 'running'], description: "the test's own verdict: running until the evidence decides" },
    alpha: { type: 'number', description: 'the false-alarm rate' },
    eValue: { ...nullableNumber, description: 'evidence against "canary no worse than stable × tolerated" (for latency: its requests above tolerated × stable\'s quantile no more frequent than stable\'s above it); fails at threshold (null before a latency comparison has data)' },
    equivalenceEValue: { ...nullableNumber, description: 'evidence against "canary worse"; promotes early at threshold (null for latency, which promotes on its quantile bounds)' },
    threshold: { type: 'number', description: '1/alpha' },
    ratio: { ...nullableNumber, description: 'estimated canary/stable ratio of error rates or latency quantiles' },
    lower: { ...nullableNumber, description: "the ratio's time-uniform lower confidence bound (null: not bounded yet)" },
    upper: { ...nullableNumber, description: "the ratio's time-uniform upper confidence bound (null: not bounded yet)" },
    tolerated: { type: 'number', description: '1 + tolerance: the highest ratio still a pass' },
    canary: evidenceCounts,
    stable: evidenceCounts,
  },
  'The sequential test at this look: its e-value against 1/alpha and the effect with its confidence bounds.',
);

const measurementFields = exact({
  at: time,
  metric: { type: 'string' },
  value: nullableNumber,
  threshold: nullableNumber,
  verdict: { type: 'string', enum: ['pass', 'fail', 'inconclusive', 'error'] },
  samples: { type: 'number', description: 'requests (or series) the value rests on' },
  reason: { type: 'string', description: 'one sentence, e.g. "error_rate 0.19 > max 0.05 over 212 requests at weight 20%"' },
});

/** One analysis measurement with its verdict and the reason for it; a `compare:` metric's also has its evidence. */
export const measurementSchema = {
  ...measurementFields,
  properties: { ...measurementFields.properties, evidence: evidenceSchema },
} as const;

/** `GET /v1/releases/{id}` and `deploy --json`: a release with its steps and measurements (DESIGN.md). */
export const releaseDocumentSchema = exact({
  id: { type: 'string' },
  service: { type: 'string' },
  version: { type: 'string' },
  previousVersion: nullableString,
  strategy: { type: 'string' },
  status: { type: 'string', enum: [...RELEASE_STATUSES] },
  reason: nullableString,
  startedAt: time,
  finishedAt: nullableTime,
  steps: { type: 'array', items: releaseStepSchema },
  analysis: { type: 'array', items: measurementSchema },
});

/** Path parameter of one release. */
export const releaseIdParams = exact({ id: { type: 'string', minLength: 1, maxLength: 128 } });

/** `POST /v1/releases` and `POST /v1/rollback` (202): the release that started. */
export const startedSchema = exact({ id: { type: 'string', description: 'the release id; follow it on /v1/events?release=ID' } });

/** The answer of promote, pause, resume and abort. */
export const steeredSchema = exact({ ok: { type: 'boolean', enum: [true] }, action: { type: 'string', enum: ['promote', 'pause', 'resume', 'abort'] } });

/** One recorded event (the `data:` of each server-sent event). */
export const storedEventSchema = exact({
  seq: { type: 'integer', description: 'position in the log; the SSE id' },
  id: { type: 'string' },
  releaseId: nullableString,
  service: { type: 'string' },
  at: time,
  type: { type: 'string' },
  data: anyObject,
});
