/** Schemas of jobs, monitors, alerts, silences and backups. */
import { anyObject, exact, nullableNumber, nullableString, nullableTime, stringMap, time } from './common.js';

/** One run of a job. */
export const jobRunSchema = exact({
  id: { type: 'string' },
  job: { type: 'string' },
  trigger: { type: 'string', enum: ['schedule', 'manual', 'catch-up'] },
  status: { type: 'string', enum: ['succeeded', 'failed', 'timed_out', 'skipped'] },
  scheduledAt: nullableTime,
  startedAt: time,
  finishedAt: nullableTime,
  durationMs: nullableNumber,
  attempts: { type: 'integer' },
  exitCode: { type: ['integer', 'null'] },
  detail: { type: 'string' },
  output: { type: 'string', description: 'the tail of the output, secrets masked' },
});

/** `GET /v1/jobs`. */
export const jobListSchema = exact({
  jobs: {
    type: 'array',
    items: exact({
      name: { type: 'string' },
      kind: { type: 'string' },
      schedule: { type: 'string' },
      nextRun: nullableTime,
      disabled: { type: 'boolean' },
      running: { type: 'boolean' },
      lastRun: { anyOf: [jobRunSchema, { type: 'null' }] },
    }),
  },
});

/** `GET /v1/jobs/{name}/history`. */
export const jobHistorySchema = exact({ job: { type: 'string' }, runs: { type: 'array', items: jobRunSchema } });
/** `POST /v1/jobs/{name}/run`. */
export const jobRunAnswerSchema = exact({ run: jobRunSchema });
/** `POST /v1/jobs/{name}/disable` and `/enable`. */
export const jobStateSchema = exact({ job: { type: 'string' }, disabled: { type: 'boolean' }, by: { type: 'string' }, at: time });

const uptime = { type: ['number', 'null'], minimum: 0, maximum: 1 } as const;

/** `GET /v1/monitors`. */
export const monitorsSchema = exact({
  service: { type: 'string' },
  monitors: {
    type: 'array',
    items: exact({
      name: { type: 'string' },
      status: { type: 'string' },
      since: nullableTime,
      checkedAt: nullableTime,
      detail: { type: 'string' },
      durationMs: nullableNumber,
      intervalMs: { type: 'number' },
      retryIntervalMs: { type: 'number' },
      retries: { type: 'integer' },
      uptime: { type: 'object', additionalProperties: uptime, description: 'share of up beats (0–1) per window (24h, 7d, 30d); null without beats' },
    }),
  },
  changes: { type: 'array', items: exact({ name: { type: 'string' }, at: time, from: { type: 'string' }, to: { type: 'string' }, detail: { type: 'string' } }) },
});

/** `GET /v1/alerts`. */
export const alertsSchema = exact({
  service: { type: 'string' },
  alerts: {
    type: 'array',
    items: exact({
      name: { type: 'string' },
      severity: { type: 'string' },
      for: { type: 'number' },
      keepFiringFor: { type: 'number' },
      labels: stringMap,
      annotations: stringMap,
      silencedBy: { type: 'array', items: { type: 'string' } },
      state: { type: 'string', enum: ['inactive', 'pending', 'firing', 'resolved'] },
      activeAt: nullableTime,
      firedAt: nullableTime,
      resolvedAt: nullableTime,
      lastActiveAt: nullableTime,
      value: nullableNumber,
      detail: { type: 'string' },
      evaluatedAt: nullableTime,
      error: nullableString,
      notified: { type: ['string', 'null'], enum: ['firing', 'resolved', null] },
      notifiedAt: nullableTime,
    }),
  },
});

/** `GET /v1/alerts/history`. */
export const alertHistorySchema = exact({
  service: { type: 'string' },
  history: {
    type: 'array',
    items: exact({ id: { type: 'string' }, rule: { type: 'string' }, at: time, from: { type: 'string' }, to: { type: 'string' }, severity: { type: 'string' }, data: anyObject }),
  },
});

/** A silence. */
export const silenceSchema = exact({
  id: { type: 'string' },
  matchers: { type: 'array', items: exact({ name: { type: 'string' }, op: { type: 'string', enum: ['=', '!=', '=~', '!~'] }, value: { type: 'string' } }) },
  author: { type: 'string' },
  comment: { type: 'string' },
  startsAt: time,
  endsAt: time,
  endedAt: nullableTime,
});

/** `GET /v1/silences`. */
export const silencesSchema = exact({ service: { type: 'string' }, silences: { type: 'array', items: silenceSchema } });
/** `POST /v1/silences/{id}/end`. */
export const silenceEndedSchema = exact({ id: { type: 'string' }, ended: { type: 'boolean', enum: [true] } });

/** One backup in the catalog. */
export const backupSchema = exact({
  id: { type: 'string' },
  service: { type: 'string' },
  source: { type: 'string' },
  driver: { type: 'string' },
  reason: { type: 'string', enum: ['manual', 'schedule', 'release', 'safety'] },
  store: { type: 'string', description: 'the artifact store, as dir:/abs/path or s3://bucket/prefix' },
  key: { type: 'string' },
  size: nullableNumber,
  sha256: nullableString,
  durationMs: nullableNumber,
  startedAt: time,
  finishedAt: nullableTime,
  status: { type: 'string', enum: ['running', 'succeeded', 'failed'] },
  error: nullableString,
  verifiedAt: nullableTime,
  verifyStatus: { type: ['string', 'null'], enum: ['pass', 'fail', null] },
  verifyDetail: { type: ['object', 'null'], additionalProperties: true },
  restoreMs: { ...nullableNumber, description: 'last measured restore time (RTO) of this artifact' },
  releaseId: nullableString,
  prunedAt: nullableTime,
});

const nullableBackup = { anyOf: [backupSchema, { type: 'null' }] } as const;

/** `GET /v1/backups`, as `backup list --json` prints it: RPO and RTO per source against the plan's targets. */
export const backupsSchema = exact({
  service: { type: 'string' },
  sources: {
    type: 'array',
    items: exact({
      source: { type: 'string' },
      latest: nullableBackup,
      latestVerified: nullableBackup,
      rpoMs: { ...nullableNumber, description: 'age of the newest verified backup: the data a loss now would cost' },
      rtoMs: { ...nullableNumber, description: 'restore time last measured' },
      rpoTargetMs: nullableNumber,
      rpoMet: { type: ['boolean', 'null'] },
      rtoTargetMs: nullableNumber,
      rtoMet: { type: ['boolean', 'null'] },
      backups: { type: 'integer' },
    }),
  },
  backups: { type: 'array', items: backupSchema },
});
