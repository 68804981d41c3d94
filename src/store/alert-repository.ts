/** Alert rules in the store: each rule's state (so a restart does not reset a firing alert), history, silences. */
import type { Kysely } from 'kysely';
import { newId } from './id.js';
import { fromJsonText, type JsonObject, toJsonText } from './json-column.js';
import type { Database, IsoTime } from './schema.js';

/** Table `alert_states`: the evaluator's memory of each rule. */
export interface AlertStatesTable {
  service: string;
  rule: string;
  state: string;
  memory: string;
  updated_at: IsoTime;
}

/** Table `alert_history`: one row per state change of a rule. */
export interface AlertHistoryTable {
  id: string;
  service: string;
  rule: string;
  at: IsoTime;
  from_state: string;
  to_state: string;
  severity: string;
  data: string;
}

/** Table `silences`: matchers that mute notifications until `ends_at` (or until ended by hand). */
export interface SilencesTable {
  id: string;
  service: string;
  matchers: string;
  author: string;
  comment: string;
  starts_at: IsoTime;
  ends_at: IsoTime;
  ended_at: IsoTime | null;
}

type AlertDb = Kysely<Database & { alert_states: AlertStatesTable; alert_history: AlertHistoryTable; silences: SilencesTable }>;

/** History rows kept per service; older ones are dropped. */
export const ALERT_HISTORY_KEPT = 1_000;

/** One state change of a rule. */
export interface AlertHistoryRecord {
  id: string;
  rule: string;
  at: IsoTime;
  from: string;
  to: string;
  severity: string;
  data: JsonObject;
}

/** A label matcher: `=` equal, `!=` not equal, `=~` regex, `!~` not regex (as Alertmanager). */
export interface SilenceMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** One silence. */
export interface SilenceRecord {
  id: string;
  matchers: SilenceMatcher[];
  author: string;
  comment: string;
  startsAt: IsoTime;
  endsAt: IsoTime;
  endedAt: IsoTime | null;
}

/** Alert states, history and silences of a service. */
export class AlertRepository {
  readonly #db: AlertDb;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, now: () => Date) {
    this.#db = db.withTables<{ alert_states: AlertStatesTable; alert_history: AlertHistoryTable; silences: SilencesTable }>();
    this.#now = now;
  }

  /** Every rule's persisted memory, by rule name. */
  async states(service: string): Promise<Map<string, JsonObject>> {
    const rows = await this.#db.selectFrom('alert_states').select(['rule', 'memory']).where('service', '=', service).execute();
    return new Map(rows.map((r) => [r.rule, fromJsonText(r.memory)]));
  }

  /** Saves a rule's memory, and a history row when its state changed. */
  async save(service: string, rule: string, memory: JsonObject & { state: string }, change?: { from: string; severity: string; data: JsonObject }): Promise<void> {
    const now = this.#now().toISOString();
    const row = { service, rule, state: memory.state, memory: toJsonText(memory), updated_at: now };
    await this.#db.transaction().execute(async (tx) => {
      await tx
        .insertInto('alert_states')
        .values(row)
        .onConflict((oc) => oc.columns(['service', 'rule']).doUpdateSet({ state: row.state, memory: row.memory, updated_at: now }))
        .execute();
      if (!change) return;
      await tx
        .insertInto('alert_history')
        .values({ id: newId('alr', Date.parse(now)), service, rule, at: now, from_state: change.from, to_state: memory.state, severity: change.severity, data: toJsonText(change.data) })
        .execute();
      const edge = await tx.selectFrom('alert_history').select('id').where('service', '=', service).orderBy('id', 'desc').offset(ALERT_HISTORY_KEPT).limit(1).executeTakeFirst();
      if (edge) await tx.deleteFrom('alert_history').where('service', '=', service).where('id', '<=', edge.id).execute();
    });
  }

  /** A service's state changes, newest first (of one rule, when named). */
  async history(service: string, options: { rule?: string; limit?: number } = {}): Promise<AlertHistoryRecord[]> {
    let select = this.#db.selectFrom('alert_history').selectAll().where('service', '=', service);
    if (options.rule !== undefined) select = select.where('rule', '=', options.rule);
    const rows = await select.orderBy('id', 'desc').limit(options.limit ?? 50).execute();
    return rows.map((r) => ({ id: r.id, rule: r.rule, at: r.at, from: r.from_state, to: r.to_state, severity: r.severity, data: fromJsonText(r.data) }));
  }

  /** Adds a silence and returns it. */
  async addSilence(service: string, input: Omit<SilenceRecord, 'id' | 'endedAt'>): Promise<SilenceRecord> {
    const id = newId('sil', this.#now().getTime());
    await this.#db
      .insertInto('silences')
      .values({ id, service, matchers: JSON.stringify(input.matchers), author: input.author, comment: input.comment, starts_at: input.startsAt, ends_at: input.endsAt, ended_at: null })
      .execute();
    return { id, ...input, endedAt: null };
  }

  /** Ends a silence now; false when there is no such silence still in effect. */
  async endSilence(service: string, id: string): Promise<boolean> {
    const now = this.#now().toISOString();
    const result = await this.#db
      .updateTable('silences')
      .set({ ended_at: now })
      .where('service', '=', service)
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .where('ends_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Silences of a service; only those in effect at `at` unless `all`. */
  async silences(service: string, options: { at?: Date; all?: boolean } = {}): Promise<SilenceRecord[]> {
    let select = this.#db.selectFrom('silences').selectAll().where('service', '=', service);
    if (!options.all) {
      const at = (options.at ?? this.#now()).toISOString();
      select = select.where('ended_at', 'is', null).where('starts_at', '<=', at).where('ends_at', '>', at);
    }
    const rows = await select.orderBy('id', 'desc').limit(500).execute();
    return rows.map((r) => ({
      id: r.id,
      matchers: JSON.parse(r.matchers) as SilenceMatcher[],
      author: r.author,
      comment: r.comment,
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      endedAt: r.ended_at,
    }));
  }
}
