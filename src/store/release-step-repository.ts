/** The steps of releases in the store. */
import type { Kysely, Selectable } from 'kysely';
import { GlidepathError } from '../shared/errors.js';
import { newId } from './id.js';
import { fromJsonText, type JsonObject, toJsonText } from './json-column.js';
import type { Database, IsoTime, ReleaseStepsTable } from './schema.js';

/** Where a step stands. */
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'aborted';

/** One unit of a release (a check, a backup, a weight change, a pause, an analysis run). */
export interface ReleaseStep {
  id: string;
  releaseId: string;
  position: number;
  kind: string;
  status: StepStatus;
  startedAt: IsoTime | null;
  finishedAt: IsoTime | null;
  detail: JsonObject;
}

/** What `add` needs; a step starts `pending` unless told otherwise. */
export interface NewReleaseStep {
  position: number;
  kind: string;
  status?: StepStatus;
  startedAt?: IsoTime | null;
  detail?: JsonObject;
}

/** Fields `update` may change. */
export type ReleaseStepPatch = Partial<Pick<ReleaseStep, 'status' | 'startedAt' | 'finishedAt' | 'detail'>>;

function toStep(row: Selectable<ReleaseStepsTable>): ReleaseStep {
  return {
    id: row.id,
    releaseId: row.release_id,
    position: row.position,
    kind: row.kind,
    status: row.status as StepStatus,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    detail: fromJsonText(row.detail),
  };
}

/** Steps of releases. */
export class ReleaseStepRepository {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, now: () => Date) {
    this.#db = db;
    this.#now = now;
  }

  /** Adds a step to a release; a position already taken in that release is rejected by the database. */
  async add(releaseId: string, input: NewReleaseStep): Promise<ReleaseStep> {
    const row: Selectable<ReleaseStepsTable> = {
      id: newId('stp', this.#now().getTime()),
      release_id: releaseId,
      position: input.position,
      kind: input.kind,
      status: input.status ?? 'pending',
      started_at: input.startedAt ?? null,
      finished_at: null,
      detail: toJsonText(input.detail),
    };
    await this.#db.insertInto('release_steps').values(row).execute();
    return toStep(row);
  }

  /** Changes a step and returns it as stored; an unknown id throws. */
  async update(id: string, patch: ReleaseStepPatch): Promise<ReleaseStep> {
    const set: Partial<Selectable<ReleaseStepsTable>> = {};
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.startedAt !== undefined) set.started_at = patch.startedAt;
    if (patch.finishedAt !== undefined) set.finished_at = patch.finishedAt;
    if (patch.detail !== undefined) set.detail = toJsonText(patch.detail);
    const query = this.#db.selectFrom('release_steps').selectAll().where('id', '=', id);
    if (Object.keys(set).length > 0) {
      const result = await this.#db.updateTable('release_steps').set(set).where('id', '=', id).executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new GlidepathError(`release step ${id} does not exist`, { code: 'not_found' });
    }
    const row = await query.executeTakeFirst();
    if (!row) throw new GlidepathError(`release step ${id} does not exist`, { code: 'not_found' });
    return toStep(row);
  }

  /** A release's steps in order. */
  async listForRelease(releaseId: string): Promise<ReleaseStep[]> {
    const rows = await this.#db
      .selectFrom('release_steps')
      .selectAll()
      .where('release_id', '=', releaseId)
      .orderBy('position', 'asc')
      .execute();
    return rows.map(toStep);
  }
}
