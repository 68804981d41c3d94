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

  /** Records beats of a service in one transaction (a daemon writes its monitors' beats in batches), in order. */
  async recordBeats(service: string, beats: readonly MonitorBeat[]): Promise<void> {
    if (beats.length === 0) return;
    await this.#db.transaction().execute(async (tx) => {
      for (const { state, change, up } of beats) await writeBeat(tx, service, state, change, up);
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

async function writeBeat(tx: Transaction<MonitorTables>, service: string, state: MonitorStateRecord, change: { from: string } | undefined, up: boolean): Promise<void> {
  const row: Selectable<MonitorStatesTable> = {
  service,
  name: state.name,
  status: state.status,
  failures: state.failures,
  since: state.since,
  checked_at: state.checkedAt,
  detail: state.detail,
  duration_ms: Math.round(state.durationMs),
  };
  const hour = state.checkedAt.slice(0, 13);
  await tx
    .insertInto('monitor_states')
    .values(row)
    .onConflict((oc) => oc.columns(['service', 'name']).doUpdateSet({ ...row }))
    .execute();
  await tx
    .insertInto('monitor_uptime')
    .values({ service, name: state.name, hour, up: up ? 1 : 0, total: 1 })
    .onConflict((oc) => oc.columns(['service', 'name', 'hour']).doUpdateSet((eb) => ({ up: eb('monitor_uptime.up', '+', up ? 1 : 0), total: eb('monitor_uptime.total', '+', 1) })))
    .execute();
  if (!change) return;
  await tx
    .insertInto('monitor_changes')
    .values({ id: newId('mon', Date.parse(state.checkedAt)), service, name: state.name, at: state.checkedAt, from_status: change.from, to_status: state.status, detail: state.detail })
    .execute();
  // History stays bounded: the oldest changes beyond the kept number go.
  const keep = await tx
    .selectFrom('monitor_changes')
    .select('id')
    .where('service', '=', service)
    .where('name', '=', state.name)
    .orderBy('id', 'desc')
    .offset(MONITOR_CHANGES_KEPT)
    .limit(1)
    .executeTakeFirst();
  if (keep) await tx.deleteFrom('monitor_changes').where('service', '=', service).where('name', '=', state.name).where('id', '<=', keep.id).execute();
}
