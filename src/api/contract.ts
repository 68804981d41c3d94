/**
 * Request and response shapes of the daemon's API, shared by the server, the CLI and the dashboard. The JSON schemas
 * in ./schemas/ describe the same shapes for validation and the OpenAPI document; a test validates real answers
 * against that document, so these types, the schemas and the answers cannot drift apart unnoticed.
 */
import type { SequentialEvidence } from '../analysis/measurement.js';
import type { SourceBackupStatus } from '../backups/backup-status.js';
import type { JobSummary } from '../jobs/job-runner.js';
import type { AlertView } from '../alerts/alert-rules.js';
import type { MonitorView } from '../monitors/monitor-report.js';
import type { AlertHistoryRecord, BackupRecord, JobRunRecord, JobState, ReleaseStatus, SilenceRecord, StoredEvent } from '../store/index.js';

export type { AlertHistoryRecord, AlertView, SequentialEvidence, BackupRecord, JobRunRecord, JobState, JobSummary, MonitorView, SilenceRecord, SourceBackupStatus, StoredEvent };

/** `status --json` and `GET /v1/status`, exactly as DESIGN.md fixes it. */
export interface StatusDocument {
  service: string;
  stable: { version: string; weight: number } | null;
  canary: { version: string; weight: number } | null;
  release: { id: string; status: string; step: number | null } | null;
}

/** One step of a release, as `deploy --json` prints it. */
export interface ReleaseStepDocument {
  kind: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  detail: Record<string, unknown>;
}

/** One measurement of an analysis, as `deploy --json` prints it, with how many samples it rests on and why. */
export interface AnalysisDocument {
  at: string;
  metric: string;
  value: number | null;
  threshold: number | null;
  verdict: 'pass' | 'fail' | 'inconclusive' | 'error';
  samples: number;
  reason: string;
  /** For a `compare:` metric: its sequential test's evidence at this look. */
  evidence?: SequentialEvidence;
}

/** A release, as `deploy --json` and `GET /v1/releases/:id` give it. */
export interface ReleaseDocument {
  id: string;
  service: string;
  version: string;
  previousVersion: string | null;
  strategy: string;
  status: string;
  reason: string | null;
  startedAt: string;
  finishedAt: string | null;
  steps: ReleaseStepDocument[];
  analysis: AnalysisDocument[];
}

/** Body of every error answer: what went wrong, in words a person can act on. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** `GET /health`: whether the daemon runs, for which service; needs no token. */
export interface HealthDocument {
  status: 'ok';
  service: string;
  /** The plan file the daemon serves (its directory is the project's), so another project's CLI can say so. */
  plan?: string;
  pid: number;
  startedAt: string;
  glidepath: string;
}

/** What `.glidepath/daemon.json` says about the running daemon, so every command finds it. */
export interface DaemonInfo {
  pid: number;
  url: string;
  service: string;
  plan: string;
  startedAt: string;
}

/** `GET /v1/traffic`: each running version's share and its live metrics over the last `windowMs`. */
export interface TrafficDocument {
  service: string;
  windowMs: number;
  versions: {
    version: string;
    state: string;
    weight: number;
    requests: number;
    rps: number;
    errorRate: number;
    p50: number | null;
    p95: number | null;
    p99: number | null;
  }[];
}

/** A release as `GET /v1/releases` lists it: the history's view, without the engine's internal state. */
export interface ReleaseSummary {
  id: string;
  service: string;
  version: string;
  previousVersion: string | null;
  strategy: string;
  status: ReleaseStatus;
  /** How it ended; null while it runs. */
  outcome: 'succeeded' | 'rolled_back' | 'failed' | 'aborted' | null;
  reason: string | null;
  startedBy: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  step: number | null;
}

/** `GET /v1/releases`: one page, and the cursor of the next (null on the last). */
export interface ReleasePage {
  releases: ReleaseSummary[];
  nextCursor: string | null;
}

/** `POST /v1/releases` and `POST /v1/rollback` (202): the release that started. */
export interface StartedDocument {
  id: string;
}

/** `POST /v1/release/{promote,pause,resume,abort}`. */
export interface SteeredDocument {
  ok: true;
  action: 'promote' | 'pause' | 'resume' | 'abort';
}

/** `GET /v1/jobs`. */
export interface JobsDocument {
  jobs: JobSummary[];
}

/** `GET /v1/jobs/{name}/history`. */
export interface JobHistoryDocument {
  job: string;
  runs: JobRunRecord[];
}

/** `POST /v1/jobs/{name}/run`: the run, once it ended. */
export interface JobRunDocument {
  run: JobRunRecord;
}

/** `POST /v1/jobs/{name}/disable` and `/enable`: the job's new state. */
export type JobStateDocument = { job: string } & JobState;

/** `POST /v1/silences/{id}/end`. */
export interface SilenceEndedDocument {
  id: string;
  ended: true;
}

/** `POST /v1/shutdown` (202). */
export interface ShutdownDocument {
  stopping: true;
  keepServing: boolean;
}

/** `GET /v1/monitors`. */
export interface MonitorsDocument {
  service: string;
  monitors: MonitorView[];
  changes: { name: string; at: string; from: string; to: string; detail: string }[];
}

/** `GET /v1/alerts`. */
export interface AlertsDocument {
  service: string;
  alerts: AlertView[];
}

/** `GET /v1/alerts/history`. */
export interface AlertHistoryDocument {
  service: string;
  history: AlertHistoryRecord[];
}

/** `GET /v1/silences`. */
export interface SilencesDocument {
  service: string;
  silences: SilenceRecord[];
}

/** `GET /v1/backups` and `backup list --json`. */
export interface BackupsDocument {
  service: string;
  sources: SourceBackupStatus[];
  backups: BackupRecord[];
}
