/** Check results in the store. */
import type { Kysely, Selectable } from 'kysely';
import { newId } from './id.js';
import { fromJsonText, type JsonObject } from './json-column.js';
import type { CheckResultsTable, Database, IsoTime } from './schema.js';

/** A check's outcome, as plugins report it. */
export type CheckStatus = 'pass' | 'fail' | 'error';

/** Who ran the check. */
export type CheckContext = 'check' | 'preflight' | 'monitor' | 'verify' | 'analysis';

/** One recorded check outcome. */
export interface CheckResultRecord {
  id: string;
  service: string;
  name: string;
  kind: string;
  status: CheckStatus;
  detail: string;
  durationMs: number;
  at: IsoTime;
  context: CheckContext;
  releaseId: string | null;
  data: JsonObject | null;
}

/** What `record` needs. */
export interface NewCheckResult {
  service: string;
  name: string;
  kind: string;
  status: CheckStatus;
  detail?: string;
  durationMs: number;
  context: CheckContext;
  releaseId?: string | null;
  data?: JsonObject | null;
  at?: IsoTime;
}

function toRecord(row: Selectable<CheckResultsTable>): CheckResultRecord {
  return {
    id: row.id,
    service: row.service,
    name: row.name,
    kind: row.kind,
    status: row.status as CheckStatus,
    detail: row.detail,
    durationMs: row.duration_ms,
    at: row.at,
    context: row.context as CheckContext,
    releaseId: row.release_id,
    data: row.data === null ? null : fromJsonText(row.data),
  };
}

/** History of check outcomes. */
export class CheckResultRepository {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, now: () => Date) {
    this.#db = db;
    this.#now = now;
  }

  /** Records one outcome and returns it. */
  async record(input: NewCheckResult): Promise<CheckResultRecord> {
    const now = this.#now();
    const row: Selectable<CheckResultsTable> = {
      id: newId('chk', now.getTime()),
      service: input.service,
      name: input.name,
      kind: input.kind,
      status: input.status,
      detail: input.detail ?? '',
      // Plugins measure with performance.now(); the column is an integer on both backends.
      duration_ms: Math.round(input.durationMs),
      at: input.at ?? now.toISOString(),
      context: input.context,
      release_id: input.releaseId ?? null,
      data: input.data == null ? null : JSON.stringify(input.data),
    };
    await this.#db.insertInto('check_results').values(row).execute();
    return toRecord(row);
  }

  /** A service's outcomes, newest first, optionally of one check and one release. */
  async listRecent(query: { service: string; name?: string; releaseId?: string; limit?: number }): Promise<CheckResultRecord[]> {
    let select = this.#db.selectFrom('check_results').selectAll().where('service', '=', query.service);
    if (query.name !== undefined) select = select.where('name', '=', query.name);
    if (query.releaseId !== undefined) select = select.where('release_id', '=', query.releaseId);
    const rows = await select
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit ?? 50)
      .execute();
    return rows.map(toRecord);
  }

  /** The newest outcome of each of a service's checks, ordered by check name. */
  async latestByName(service: string): Promise<CheckResultRecord[]> {
    const rows = await this.#db
      .selectFrom('check_results as c')
      .selectAll('c')
      .where('c.service', '=', service)
      .where('c.at', '=', (eb) =>
        eb
          .selectFrom('check_results as n')
          .select((inner) => inner.fn.max('n.at').as('at'))
          .whereRef('n.service', '=', 'c.service')
          .whereRef('n.name', '=', 'c.name'),
      )
      .orderBy('c.name', 'asc')
      .orderBy('c.id', 'desc')
      .execute();
    // Two outcomes of one check in the same millisecond both match; the later id wins.
    const latest = new Map<string, CheckResultRecord>();
    for (const row of rows) if (!latest.has(row.name)) latest.set(row.name, toRecord(row));
    return [...latest.values()];
  }
}
