/**
 * The contract types and the JSON schemas name the same keys: a key added to one and not the other fails the type
 * check (`npm run typecheck`) here, and the answers themselves are validated against the schemas in
 * openapi-conformance.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type * as C from './contract.js';
import type * as ops from './schemas/operations.js';
import type * as rel from './schemas/releases.js';
import type * as sys from './schemas/system.js';

/** `true` when the schema's properties and the type's keys are the same set. */
type SameKeys<S extends { properties: object }, T> = [keyof S['properties']] extends [keyof T] ? ([keyof T] extends [keyof S['properties']] ? true : false) : false;
type Item<S> = S extends { items: infer I } ? I : never;
type Prop<S extends { properties: object }, K extends keyof S['properties']> = S['properties'][K];

const checks: Record<string, true> = {
  health: true satisfies SameKeys<typeof sys.healthSchema, C.HealthDocument>,
  status: true satisfies SameKeys<typeof sys.statusSchema, C.StatusDocument>,
  traffic: true satisfies SameKeys<typeof sys.trafficSchema, C.TrafficDocument>,
  trafficVersion: true satisfies SameKeys<Item<Prop<typeof sys.trafficSchema, 'versions'>>, C.TrafficDocument['versions'][number]>,
  shutdown: true satisfies SameKeys<typeof sys.shutdownSchema, C.ShutdownDocument>,
  releaseSummary: true satisfies SameKeys<typeof rel.releaseSummarySchema, C.ReleaseSummary>,
  releasePage: true satisfies SameKeys<typeof rel.releasePageSchema, C.ReleasePage>,
  release: true satisfies SameKeys<typeof rel.releaseDocumentSchema, C.ReleaseDocument>,
  step: true satisfies SameKeys<typeof rel.releaseStepSchema, C.ReleaseStepDocument>,
  measurement: true satisfies SameKeys<typeof rel.measurementSchema, C.AnalysisDocument>,
  started: true satisfies SameKeys<typeof rel.startedSchema, C.StartedDocument>,
  steered: true satisfies SameKeys<typeof rel.steeredSchema, C.SteeredDocument>,
  event: true satisfies SameKeys<typeof rel.storedEventSchema, C.StoredEvent>,
  jobs: true satisfies SameKeys<typeof ops.jobListSchema, C.JobsDocument>,
  job: true satisfies SameKeys<Item<Prop<typeof ops.jobListSchema, 'jobs'>>, C.JobSummary>,
  jobRun: true satisfies SameKeys<typeof ops.jobRunSchema, C.JobRunRecord>,
  jobHistory: true satisfies SameKeys<typeof ops.jobHistorySchema, C.JobHistoryDocument>,
  jobRunAnswer: true satisfies SameKeys<typeof ops.jobRunAnswerSchema, C.JobRunDocument>,
  jobState: true satisfies SameKeys<typeof ops.jobStateSchema, C.JobStateDocument>,
  monitors: true satisfies SameKeys<typeof ops.monitorsSchema, C.MonitorsDocument>,
  monitor: true satisfies SameKeys<Item<Prop<typeof ops.monitorsSchema, 'monitors'>>, C.MonitorView>,
  alerts: true satisfies SameKeys<typeof ops.alertsSchema, C.AlertsDocument>,
  alert: true satisfies SameKeys<Item<Prop<typeof ops.alertsSchema, 'alerts'>>, C.AlertView>,
  alertHistory: true satisfies SameKeys<typeof ops.alertHistorySchema, C.AlertHistoryDocument>,
  alertChange: true satisfies SameKeys<Item<Prop<typeof ops.alertHistorySchema, 'history'>>, C.AlertHistoryRecord>,
  silence: true satisfies SameKeys<typeof ops.silenceSchema, C.SilenceRecord>,
  silences: true satisfies SameKeys<typeof ops.silencesSchema, C.SilencesDocument>,
  silenceEnded: true satisfies SameKeys<typeof ops.silenceEndedSchema, C.SilenceEndedDocument>,
  backup: true satisfies SameKeys<typeof ops.backupSchema, C.BackupRecord>,
  backups: true satisfies SameKeys<typeof ops.backupsSchema, C.BackupsDocument>,
  backupSource: true satisfies SameKeys<Item<Prop<typeof ops.backupsSchema, 'sources'>>, C.SourceBackupStatus>,
};

describe('contract types and schemas', () => {
  it('name the same keys (checked by the type checker)', () => {
    expect(Object.values(checks).every(Boolean)).toBe(true);
    expect(Object.keys(checks)).toHaveLength(31);
  });
});
