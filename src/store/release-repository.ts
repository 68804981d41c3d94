/** Releases in the store. */
import type { Kysely, Selectable } from 'kysely';
import { GlidepathError } from '../shared/errors.js';
import { newId } from './id.js';
import { fromJsonText, type JsonObject, toJsonText } from './json-column.js';
import type { Database, IsoTime, ReleasesTable } from './schema.js';

/** Every state a release can be in, as DESIGN.md names them. */
export const RELEASE_STATUSES = [
  'pending',
  'preflight',
  'backup',
  'migrate',
  'rollout',
  'verify',
  'paused',
  'succeeded',
  'rolled_back',
  'failed',
  'aborted',
] as const;

/** A release state. */
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

/** States a release never leaves. */
export const TERMINAL_RELEASE_STATUSES: readonly ReleaseStatus[] = ['succeeded', 'rolled_back', 'failed', 'aborted'];

/** One run of a plan for a version, as stored. */
export interface Release {
  id: string;
  service: string;
  version: string;
  previousVersion: string | null;
  strategy: string;
  status: ReleaseStatus;
  reason: string | null;
  owner: string | null;
  startedAt: IsoTime;
  finishedAt: IsoTime | null;
  updatedAt: IsoTime;
  planHash: string | null;
  currentStep: number | null;
  notes: string | null;
  state: JsonObject;
}

/** What `create` needs; the rest starts empty, the status at `pending`. */
export interface NewRelease {
  service: string;
  version: string;
  strategy: string;
  previousVersion?: string | null;
  status?: ReleaseStatus;
  owner?: string | null;
  planHash?: string | null;
  notes?: string | null;
  startedAt?: IsoTime;
  /** The engine's resume state, written with the row so a crash never leaves a release without it. */
  state?: JsonObject;
}

/** Which releases `page` returns: at most `limit`, after a cursor, of some statuses and one version. */
export interface ReleasePageQuery {
  limit: number;
  statuses?: readonly ReleaseStatus[];
  version?: string;
  after?: { startedAt: IsoTime; id: string };
}

/** Fields `update` may change; `updatedAt` is always set. */
export type ReleasePatch = Partial<
  Pick<Release, 'status' | 'reason' | 'finishedAt' | 'currentStep' | 'notes' | 'previousVersion' | 'state'>
>;

function toRelease(row: Selectable<ReleasesTable>): Release {
  return {
    id: row.id,
    service: row.service,
    version: row.version,
    previousVersion: row.previous_version,
    strategy: row.strategy,
    status: row.status as ReleaseStatus,
    reason: row.reason,
    owner: row.owner,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
    planHash: row.plan_hash,
    currentStep: row.current_step,
    notes: row.notes,
    state: fromJsonText(row.state),
  };
}

/** Releases of every service. */
export class ReleaseRepository {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, now: () => Date) {
    this.#db = db;
    this.#now = now;
  }

  /** Records a new release and returns it. */
  async create(input: NewRelease): Promise<Release> {
    const now = this.#now();
    const startedAt = input.startedAt ?? now.toISOString();
    const row: Selectable<ReleasesTable> = {
      id: newId('rel', now.getTime()),
      service: input.service,
      version: input.version,
      previous_version: input.previousVersion ?? null,
      strategy: input.strategy,
      status: input.status ?? 'pending',
      reason: null,
      owner: input.owner ?? null,
      started_at: startedAt,
      finished_at: null,
      updated_at: now.toISOString(),
      plan_hash: input.planHash ?? null,
      current_step: null,
      notes: input.notes ?? null,
      state: toJsonText(input.state ?? {}),
    };
    await this.#db.insertInto('releases').values(row).execute();
    return toRelease(row);
  }

  /** The release with this id, or undefined. */
  async get(id: string): Promise<Release | undefined> {
    const row = await this.#db.selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRelease(row);
  }

  /** Changes a release and returns it as stored; an unknown id is a broken invariant and throws. */
  async update(id: string, patch: ReleasePatch): Promise<Release> {
    const set: Partial<Selectable<ReleasesTable>> = { updated_at: this.#now().toISOString() };
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.reason !== undefined) set.reason = patch.reason;
    if (patch.finishedAt !== undefined) set.finished_at = patch.finishedAt;
    if (patch.currentStep !== undefined) set.current_step = patch.currentStep;
    if (patch.notes !== undefined) set.notes = patch.notes;
    if (patch.previousVersion !== undefined) set.previous_version = patch.previousVersion;
    if (patch.state !== undefined) set.state = toJsonText(patch.state);
    const result = await this.#db.updateTable('releases').set(set).where('id', '=', id).executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new GlidepathError(`release ${id} does not exist`, { code: 'not_found' });
    return (await this.get(id)) as Release;
  }

  /** A service's releases, newest first. */
  async listByService(service: string, options: { limit?: number } = {}): Promise<Release[]> {
    const rows = await this.#db
      .selectFrom('releases')
      .selectAll()
      .where('service', '=', service)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit ?? 50)
      .execute();
    return rows.map(toRelease);
  }

  /**
   * One page of a service's releases, newest first, optionally only some statuses and one version; `after` is the
   * last release of the previous page (its start time and id), so a page costs the same however deep it is.
   */
  async page(service: string, options: ReleasePageQuery): Promise<Release[]> {
    let query = this.#db.selectFrom('releases').selectAll().where('service', '=', service);
    if (options.statuses && options.statuses.length > 0) query = query.where('status', 'in', options.statuses);
    if (options.version !== undefined) query = query.where('version', '=', options.version);
    const after = options.after;
    if (after) {
      query = query.where((eb) => eb.or([eb('started_at', '<', after.startedAt), eb.and([eb('started_at', '=', after.startedAt), eb('id', '<', after.id)])]));
    }
    const rows = await query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
    return rows.map(toRelease);
  }

  /** A service's newest release in any state, or undefined. */
  async latest(service: string): Promise<Release | undefined> {
    return (await this.listByService(service, { limit: 1 }))[0];
  }

  /** A service's newest release that has not reached a terminal state, or undefined. */
  async active(service: string): Promise<Release | undefined> {
    const row = await this.#db
      .selectFrom('releases')
      .selectAll()
      .where('service', '=', service)
      .where('status', 'not in', TERMINAL_RELEASE_STATUSES)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return row && toRelease(row);
  }

  /** Releases of every service that have not finished, for a restarted daemon to resume. */
  async listActive(): Promise<Release[]> {
    const rows = await this.#db
      .selectFrom('releases')
      .selectAll()
      .where('status', 'not in', TERMINAL_RELEASE_STATUSES)
      .orderBy('started_at', 'asc')
      .execute();
    return rows.map(toRelease);
  }
}
