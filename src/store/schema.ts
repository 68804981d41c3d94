/** The store's tables as Kysely types. */
import type { Generated } from 'kysely';

/**
 * Column conventions that hold on SQLite and PostgreSQL alike: ids are sortable text from `newId`,
 * timestamps are ISO-8601 UTC strings (`toISOString()`, so they also sort as text), JSON is stored as text.
 */
export type IsoTime = string;
/** A JSON document serialised to text. */
export type JsonText = string;

/** Table `releases`: one run of a plan for a version. */
export interface ReleasesTable {
  id: string;
  service: string;
  version: string;
  previous_version: string | null;
  strategy: string;
  status: string;
  reason: string | null;
  owner: string | null;
  started_at: IsoTime;
  finished_at: IsoTime | null;
  updated_at: IsoTime;
  plan_hash: string | null;
  current_step: number | null;
  notes: string | null;
  /** The engine's resumable state (weights, analysis counters …). */
  state: JsonText;
}

/** Table `release_steps`: one unit of a release, ordered by `position`. */
export interface ReleaseStepsTable {
  id: string;
  release_id: string;
  position: number;
  kind: string;
  status: string;
  started_at: IsoTime | null;
  finished_at: IsoTime | null;
  detail: JsonText;
}

/** Table `events`: the append-only log the API streams; `seq` orders it in commit order. */
export interface EventsTable {
  seq: number;
  id: string;
  release_id: string | null;
  service: string;
  at: IsoTime;
  type: string;
  data: JsonText;
}

/** Table `check_results`: every probe outcome, from `check`, preflight, monitors and verify. */
export interface CheckResultsTable {
  id: string;
  service: string;
  name: string;
  kind: string;
  status: string;
  detail: string;
  duration_ms: number;
  at: IsoTime;
  context: string;
  release_id: string | null;
  data: JsonText | null;
}

/** Table `locks`: named leases with an expiry, so a crashed holder does not block forever. */
export interface LocksTable {
  name: string;
  holder: string;
  acquired_at: IsoTime;
  expires_at: IsoTime;
}

/** Table `store_counters`: named counters bumped under a row lock (PostgreSQL's events sequence). */
export interface StoreCountersTable {
  name: string;
  value: Generated<number>;
}

/** The store's tables, as Kysely sees them. */
export interface Database {
  releases: ReleasesTable;
  release_steps: ReleaseStepsTable;
  events: EventsTable;
  check_results: CheckResultsTable;
  locks: LocksTable;
  store_counters: StoreCountersTable;
}
