/** Monitors in the store: each one's current state, its state changes (bounded) and its uptime by the hour. */
import { type Kysely, type Selectable, type Transaction, sql } from 'kysely';
import { newId } from './id.js';
import type { Database, IsoTime } from './schema.js';

/** Table `monitor_states`: the last state of each monitor, so a restarted daemon goes on from it. */
export interface MonitorStatesTable {
  service: string;
  name: string;
  status: string;
  failures: number;
  since: IsoTime;
  checked_at: IsoTime;
  detail: string;
  duration_ms: number;
}

/** Table `monitor_changes`: one row per state change of a monitor. */
export interface MonitorChangesTable {
  id: string;
  service: string;
  name: string;
  at: IsoTime;
  from_status: string;
  to_status: string;
  detail: string;
}

/** Table `monitor_uptime`: beats counted per monitor and UTC hour (`2025-01-01T13`). */
export interface MonitorUptimeTable {
  service: string;
  name: string;
  hour: string;
  up: number;
  total: number;
}

type MonitorTables = Database & { monitor_states: MonitorStatesTable; monitor_changes: MonitorChangesTable; monitor_uptime: MonitorUptimeTable };
type MonitorDb = Kysely<MonitorTables>;

/** State changes kept per monitor; older ones are dropped. */
export const MONITOR_CHANGES_KEPT = 200;
/** Uptime hours kept: the longest window shown (30 days) and a day of margin. */
export const MONITOR_UPTIME_HOURS_KEPT = 31 * 24;

/** A monitor's persisted state. */
export interface MonitorStateRecord {
  name: string;
  status: string;
  failures: number;
  since: IsoTime;
  checkedAt: IsoTime;
  detail: string;
  durationMs: number;
}

/** One state change of a monitor. */
export interface MonitorChangeRecord {
  name: string;
  at: IsoTime;
  from: string;
  to: string;
  detail: string;
}

/** Up beats over all beats within a window. */
export interface UptimeRatio {
  up: number;
  total: number;
}

/** Monitor states, changes and uptime of a service. */
export class MonitorRepository {
  readonly #db: MonitorDb;

  constructor(db: Kysely<Database>) {
    this.#db = db.withTables<{ monitor_states: MonitorStatesTable; monitor_changes: MonitorChangesTable; monitor_uptime: MonitorUptimeTable }>();
  }

  /** Every persisted monitor state of a service, by name. */
  async states(service: string): Promise<MonitorStateRecord[]> {
    const rows = await this.#db.selectFrom('monitor_states').selectAll().where('service', '=', service).orderBy('name', 'asc').execute();
    return rows.map((row: Selectable<MonitorStatesTable>) => ({
      name: row.name,
      status: row.status,
      failures: row.failures,
      since: row.since,
      checkedAt: row.checked_at,
      detail: row.detail,
      durationMs: row.duration_ms,
    }));
  }

  /** Records one beat: the new state, a change row when the status changed, and the hour's uptime count. */
  async recordBeat(service: string, state: MonitorStateRecord, change: { from: string } | undefined, up: boolean): Promise<void> {
    await this.recordBeats(service, [{ state, change, up }]);
  }

  /**
   * Records beats of a service in one transaction (a daemon writes its monitors' beats in batches), in order: the
   * last state of each monitor, each monitor's up and total beats per hour, and the state changes, each of the
   * three written with one statement per {@link BEATS_PER_STATEMENT} rows rather than one per beat.
   */
  async recordBeats(service: string, beats: readonly MonitorBeat[]): Promise<void> {
    if (beats.length === 0) return;
    const states = new Map<string, Selectable<MonitorStatesTable>>();
    const uptime = new Map<string, MonitorUptimeTable>();
    const changes: Selectable<MonitorChangesTable>[] = [];
    for (const { state, change, up } of beats) {
      states.set(state.name, stateRow(service, state));
      const hour = state.checkedAt.slice(0, 13);
      const key = `${state.name}\u0000${hour}`;
      const counted = uptime.get(key) ?? { service, name: state.name, hour, up: 0, total: 0 };
      counted.up += up ? 1 : 0;
      counted.total += 1;
      uptime.set(key, counted);
      if (change) {
        changes.push({ id: newId('mon', Date.parse(state.checkedAt)), service, name: state.name, at: state.checkedAt, from_status: change.from, to_status: state.status, detail: state.detail });
      }
    }
    await this.#db.transaction().execute(async (tx) => {
      for (const rows of chunks([...states.values()])) {
        await tx
          .insertInto('monitor_states')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['service', 'name']).doUpdateSet((eb) => ({
              status: eb.ref('excluded.status'),
              failures: eb.ref('excluded.failures'),
              since: eb.ref('excluded.since'),
              checked_at: eb.ref('excluded.checked_at'),
              detail: eb.ref('excluded.detail'),
              duration_ms: eb.ref('excluded.duration_ms'),
            })),
          )
          .execute();
      }
      for (const rows of chunks([...uptime.values()])) {
        await tx
          .insertInto('monitor_uptime')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['service', 'name', 'hour']).doUpdateSet((eb) => ({
              up: eb('monitor_uptime.up', '+', eb.ref('excluded.up')),
              total: eb('monitor_uptime.total', '+', eb.ref('excluded.total')),
            })),
          )
          .execute();
      }
      for (const rows of chunks(changes)) await tx.insertInto('monitor_changes').values(rows).execute();
      for (const name of new Set(changes.map((c) => c.name))) await keepNewestChanges(tx, service, name);
    });
  }

  /** Drops uptime hours older than what the longest window needs. */
  async pruneUptime(now: Date): Promise<void> {
    const oldest = new Date(now.getTime() - MONITOR_UPTIME_HOURS_KEPT * 3_600_000).toISOString().slice(0, 13);
    await this.#db.deleteFrom('monitor_uptime').where('hour', '<', oldest).execute();
  }

  /** Up and total beats of each monitor of a service since `from` (counted by whole hours). */
  async uptimeSince(service: string, from: Date): Promise<Map<string, UptimeRatio>> {
    const rows = await this.#db
      .selectFrom('monitor_uptime')
      .select(['name', sql<number>`sum(up)`.as('up'), sql<number>`sum(total)`.as('total')])
      .where('service', '=', service)
      .where('hour', '>=', from.toISOString().slice(0, 13))
      .groupBy('name')
      .execute();
    return new Map(rows.map((r) => [r.name, { up: Number(r.up), total: Number(r.total) }]));
  }

  /** The newest state changes of a service (of one monitor, when named), newest first. */
  async changes(service: string, options: { name?: string; limit?: number } = {}): Promise<MonitorChangeRecord[]> {
    let select = this.#db.selectFrom('monitor_changes').selectAll().where('service', '=', service);
    if (options.name !== undefined) select = select.where('name', '=', options.name);
    const rows = await select.orderBy('id', 'desc').limit(options.limit ?? 50).execute();
    return rows.map((r) => ({ name: r.name, at: r.at, from: r.from_status, to: r.to_status, detail: r.detail }));
  }
}

/** One beat of a monitor: its new state, the status it changed from (when it did), and whether the check passed. */
export interface MonitorBeat {
  state: MonitorStateRecord;
  change: { from: string } | undefined;
  up: boolean;
}

/** Rows written with one statement at most (SQLite and PostgreSQL cap the parameters of one). */
const BEATS_PER_STATEMENT = 500;

function* chunks<T>(rows: T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += BEATS_PER_STATEMENT) yield rows.slice(i, i + BEATS_PER_STATEMENT);
}

function stateRow(service: string, state: MonitorStateRecord): Selectable<MonitorStatesTable> {
  return {
    service,
    name: state.name,
    status: state.status,
    failures: state.failures,
    since: state.since,
    checked_at: state.checkedAt,
    detail: state.detail,
    duration_ms: Math.round(state.durationMs),
  };
}

/** History stays bounded: a monitor's oldest changes beyond the kept number go. */
async function keepNewestChanges(tx: Transaction<MonitorTables>, service: string, name: string): Promise<void> {
  const keep = await tx
    .selectFrom('monitor_changes')
    .select('id')
    .where('service', '=', service)
    .where('name', '=', name)
    .orderBy('id', 'desc')
    .offset(MONITOR_CHANGES_KEPT)
    .limit(1)
    .executeTakeFirst();
  if (keep) await tx.deleteFrom('monitor_changes').where('service', '=', service).where('name', '=', name).where('id', '<=', keep.id).execute();
}
