/** The backup catalog in the store: one row per artifact. */
import type { Kysely, Selectable } from 'kysely';
import { newId } from './id.js';
import { fromJsonText, type JsonObject } from './json-column.js';
import type { Database, IsoTime, JsonText } from './schema.js';

/** Table `backups`: the backup catalog (migration 0002). */
export interface BackupsTable {
  id: string;
  service: string;
  source: string;
  driver: string;
  reason: string;
  store: string;
  key: string;
  size: number | string | bigint | null;
  sha256: string | null;
  duration_ms: number | null;
  started_at: IsoTime;
  finished_at: IsoTime | null;
  status: string;
  error: string | null;
  verified_at: IsoTime | null;
  verify_status: string | null;
  verify_detail: JsonText | null;
  restore_ms: number | null;
  release_id: string | null;
  pruned_at: IsoTime | null;
}

/** Where a backup is in its life. */
export type BackupStatus = 'running' | 'succeeded' | 'failed';

/** Why a backup was taken. */
export type BackupReason = 'manual' | 'schedule' | 'release' | 'safety';

/** One artifact in the catalog. */
export interface BackupRecord {
  id: string;
  service: string;
  source: string;
  driver: string;
  reason: BackupReason;
  /** The artifact store, as `dir:/abs/path` or `s3://bucket/prefix?…`. */
  store: string;
  key: string;
  size: number | null;
  sha256: string | null;
  durationMs: number | null;
  startedAt: IsoTime;
  finishedAt: IsoTime | null;
  status: BackupStatus;
  error: string | null;
  /** When the artifact last passed verification; null when never, or when its last verification failed. */
  verifiedAt: IsoTime | null;
  verifyStatus: 'pass' | 'fail' | null;
  verifyDetail: JsonObject | null;
  /** Last measured restore time (RTO) of this artifact. */
  restoreMs: number | null;
  releaseId: string | null;
  prunedAt: IsoTime | null;
}

/** What `start` needs. */
export interface NewBackup {
  /** An id made by the caller (it may name the artifact's key after it); `newId('bkp')` when absent. */
  id?: string;
  service: string;
  source: string;
  driver: string;
  reason: BackupReason;
  store: string;
  key: string;
  releaseId?: string | null;
}

type Catalog = Kysely<Database & { backups: BackupsTable }>;

function toRecord(row: Selectable<BackupsTable>): BackupRecord {
  return {
    id: row.id,
    service: row.service,
    source: row.source,
    driver: row.driver,
    reason: row.reason as BackupReason,
    store: row.store,
    key: row.key,
    // PostgreSQL hands bigint back as text.
    size: row.size === null ? null : Number(row.size),
    sha256: row.sha256,
    durationMs: row.duration_ms,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status as BackupStatus,
    error: row.error,
    verifiedAt: row.verified_at,
    verifyStatus: row.verify_status as BackupRecord['verifyStatus'],
    verifyDetail: row.verify_detail === null ? null : fromJsonText(row.verify_detail),
    restoreMs: row.restore_ms,
    releaseId: row.release_id,
    prunedAt: row.pruned_at,
  };
}

/** The backup catalog: artifacts, their checksums, verifications and restore times. */
export class BackupRepository {
  readonly #db: Catalog;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, now: () => Date) {
    this.#db = db.withTables<{ backups: BackupsTable }>();
    this.#now = now;
  }

  /** Records a backup that is starting (status `running`). */
  async start(input: NewBackup): Promise<BackupRecord> {
    const now = this.#now();
    const row: Selectable<BackupsTable> = {
      id: input.id ?? newId('bkp', now.getTime()),
      service: input.service,
      source: input.source,
      driver: input.driver,
      reason: input.reason,
      store: input.store,
      key: input.key,
      size: null,
      sha256: null,
      duration_ms: null,
      started_at: now.toISOString(),
      finished_at: null,
      status: 'running',
      error: null,
      verified_at: null,
      verify_status: null,
      verify_detail: null,
      restore_ms: null,
      release_id: input.releaseId ?? null,
      pruned_at: null,
    };
    await this.#db.insertInto('backups').values(row).execute();
    return toRecord(row);
  }

  /** Records how a backup ended. */
  async finish(
    id: string,
    outcome: { status: 'succeeded' | 'failed'; size?: number; sha256?: string; durationMs: number; error?: string },
  ): Promise<BackupRecord> {
    await this.#db
      .updateTable('backups')
      .set({
        status: outcome.status,
        size: outcome.size ?? null,
        sha256: outcome.sha256 ?? null,
        duration_ms: Math.round(outcome.durationMs),
        error: outcome.error ?? null,
        finished_at: this.#now().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    return this.#require(id);
  }

  /** Records a verification: a pass sets `verifiedAt`, a fail clears it; a drill also records the restore time. */
  async recordVerify(id: string, outcome: { status: 'pass' | 'fail'; detail: JsonObject; restoreMs?: number }): Promise<BackupRecord> {
    await this.#db
      .updateTable('backups')
      .set({
        verify_status: outcome.status,
        verify_detail: JSON.stringify(outcome.detail),
        verified_at: outcome.status === 'pass' ? this.#now().toISOString() : null,
        ...(outcome.restoreMs === undefined ? {} : { restore_ms: Math.round(outcome.restoreMs) }),
      })
      .where('id', '=', id)
      .execute();
    return this.#require(id);
  }

  /** Records a measured restore time (RTO) of a backup. */
  async recordRestore(id: string, restoreMs: number): Promise<void> {
    await this.#db.updateTable('backups').set({ restore_ms: Math.round(restoreMs) }).where('id', '=', id).execute();
  }

  /** Marks a backup's artifact as deleted by retention; the row stays so records that name it still resolve. */
  async markPruned(id: string): Promise<void> {
    await this.#db.updateTable('backups').set({ pruned_at: this.#now().toISOString() }).where('id', '=', id).execute();
  }

  /** One backup by id, or undefined. */
  async get(id: string): Promise<BackupRecord | undefined> {
    const row = await this.#db.selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** A service's backups, newest first; pruned ones only when asked. */
  async list(query: { service: string; source?: string; status?: BackupStatus; includePruned?: boolean; limit?: number }): Promise<BackupRecord[]> {
    let select = this.#db.selectFrom('backups').selectAll().where('service', '=', query.service);
    if (query.source !== undefined) select = select.where('source', '=', query.source);
    if (query.status !== undefined) select = select.where('status', '=', query.status);
    if (!query.includePruned) select = select.where('pruned_at', 'is', null);
    if (query.limit !== undefined) select = select.limit(query.limit);
    const rows = await select.orderBy('started_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(toRecord);
  }

  async #require(id: string): Promise<BackupRecord> {
    const record = await this.get(id);
    if (!record) throw new Error(`backup ${id} is not in the catalog`);
    return record;
  }
}
