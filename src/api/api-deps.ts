/** What the API needs from the daemon: the store, the tokens, live events, status, metrics and shutdown. */
import type { JobRunner } from '../jobs/job-runner.js';
import type { SilenceRecord, StoredEvent, Store } from '../store/index.js';
import type { AlertHistoryDocument, AlertsDocument, BackupsDocument, MonitorsDocument, SilencesDocument, StatusDocument, TrafficDocument } from './contract.js';
import type { ApiTokens } from './tokens.js';

/** Steering releases: what the engine offers the API (undefined when the plan has no target). */
export interface ReleaseControl {
  /** Starts a release and returns once it is recorded; its progress follows as events. */
  deploy(version: string, options: { owner: string; yes: boolean; notes?: string; participants?: string[]; retryOf?: string; plan?: { file?: string; text?: string } }): Promise<{ id: string }>;
  promote(by: string): Promise<void>;
  pause(by: string): Promise<void>;
  resume(by: string): Promise<void>;
  abort(by: string): Promise<void>;
  /** Rolls a finished release back (to the previous version, or `to`); resolves with the rollback's release id. */
  rollback(options: { to?: string; by: string }): Promise<{ id: string }>;
}

/** Monitors, alert rules and silences: what the daemon's operating half offers the API. */
export interface OperationsControl {
  monitors(): Promise<MonitorsDocument>;
  alerts(): Promise<AlertsDocument>;
  alertHistory(query: { rule?: string; limit?: number }): Promise<AlertHistoryDocument>;
  /** Silences in effect now, or every one (`all`). */
  silences(all: boolean): Promise<SilencesDocument>;
  silence(input: { matchers: string[]; author: string; comment: string; durationMs: number }): Promise<SilenceRecord>;
  unsilence(id: string, by: string): Promise<void>;
}

/** What the API routes need from the daemon. */
export interface ApiDeps {
  service: string;
  /** Absolute path of the plan file the daemon started with; its directory is the project's. */
  planFile?: string;
  store: Store;
  tokens: ApiTokens;
  startedAt: Date;
  /** glidepath's own version, reported by /health. */
  glidepathVersion: string;
  /** Live events as they are recorded; returns the unsubscribe function. */
  subscribe(listener: (event: StoredEvent) => void): () => void;
  status(): Promise<StatusDocument>;
  /** Live share and metrics of each running version. */
  traffic(): Promise<TrafficDocument>;
  releases?: ReleaseControl;
  /** The scheduled jobs of the plan in force (list, run, history, disable, enable). */
  jobs?: Pick<JobRunner, 'list' | 'run' | 'history' | 'setDisabled'>;
  operations?: OperationsControl;
  /** Backups per source (RPO and RTO against the plan in force) and the catalog, as `backup list --json` prints them. */
  backups?: (query: { source?: string; all: boolean }) => Promise<BackupsDocument>;
  /** A release's launch record as Markdown (`glidepath report ID --format md`). */
  launchRecord?: (releaseId: string) => Promise<string>;
  /** Prometheus exposition text and its content type. */
  metrics(): Promise<{ contentType: string; text: string }>;
  /** Stops the daemon after the answer is sent; with `keepServing`, what serves (proxy, versions) stays running. */
  shutdown(options?: { keepServing?: boolean }): void;
  /** Where every 5xx answer is logged with its cause. */
  logger?: { error(fields: Record<string, unknown>, msg: string): void };
}
