/** The event log in the store: durable, in order, with contiguous sequence numbers. */
import { type Kysely, type Selectable, sql } from 'kysely';
import { newId } from './id.js';
import { fromJsonText, type JsonObject, toJsonText } from './json-column.js';
import type { Database, EventsTable, IsoTime } from './schema.js';
import type { StoreDialectName } from './store-url.js';

/** One entry of the event log. */
export interface StoredEvent {
  /** Position in the log: increases by one per event, in commit order, so a reader can resume after it. */
  seq: number;
  id: string;
  releaseId: string | null;
  service: string;
  at: IsoTime;
  type: string;
  data: JsonObject;
}

/** What `append` needs. */
export interface NewEvent {
  service: string;
  type: string;
  releaseId?: string | null;
  data?: JsonObject;
  at?: IsoTime;
}

/** Filters for `list`; `afterSeq` (or the id of an event, `afterId`) resumes a stream. */
export interface EventQuery {
  service?: string;
  releaseId?: string;
  afterSeq?: number;
  afterId?: string;
  limit?: number;
}

function toEvent(row: Selectable<EventsTable>): StoredEvent {
  return {
    seq: row.seq,
    id: row.id,
    releaseId: row.release_id,
    service: row.service,
    at: row.at,
    type: row.type,
    data: fromJsonText(row.data),
  };
}

/** The append-only event log. */
export class EventRepository {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;
  readonly #dialect: StoreDialectName;

  constructor(db: Kysely<Database>, now: () => Date, dialect: StoreDialectName) {
    this.#db = db;
    this.#now = now;
    this.#dialect = dialect;
  }

  /** Appends an event; it is committed when the promise resolves. */
  async append(input: NewEvent): Promise<StoredEvent> {
    const now = this.#now();
    const row: Omit<Selectable<EventsTable>, 'seq'> = {
      id: newId('evt', now.getTime()),
      release_id: input.releaseId ?? null,
      service: input.service,
      at: input.at ?? now.toISOString(),
      type: input.type,
      data: toJsonText(input.data),
    };
    const seq = this.#dialect === 'sqlite' ? await this.#insertSqlite(row) : await this.#insertPostgres(row);
    return toEvent({ ...row, seq });
  }

  // A writing statement takes SQLite's write lock before it reads, so MAX(seq) + 1 in the same statement is
  // atomic across connections and processes, and numbers follow commit order. A transaction would not do
  // here: SQLite busy-waits synchronously in the calling thread, so two connections in one process could deadlock.
  async #insertSqlite(row: Omit<Selectable<EventsTable>, 'seq'>): Promise<number> {
    const inserted = await this.#db
      .insertInto('events')
      .values((eb) => ({
        ...row,
        seq: eb.selectFrom('events').select((inner) => sql<number>`coalesce(max(${inner.ref('seq')}), 0) + 1`.as('next')),
      }))
      .returning('seq')
      .executeTakeFirstOrThrow();
    return inserted.seq;
  }

  // Bumping the counter row locks it until commit, so concurrent appenders take numbers in commit order and
  // a reader following `seq` never skips an event that commits late.
  async #insertPostgres(row: Omit<Selectable<EventsTable>, 'seq'>): Promise<number> {
    return this.#db.transaction().execute(async (tx) => {
      const counter = await tx
        .updateTable('store_counters')
        .set((eb) => ({ value: eb('value', '+', 1) }))
        .where('name', '=', 'events')
        .returning('value')
        .executeTakeFirstOrThrow();
      await tx.insertInto('events').values({ ...row, seq: counter.value }).execute();
      return counter.value;
    });
  }

  /** Events in log order, filtered; at most `limit` (default 100). */
  async list(query: EventQuery = {}): Promise<StoredEvent[]> {
    let select = this.#db.selectFrom('events').selectAll();
    if (query.service !== undefined) select = select.where('service', '=', query.service);
    if (query.releaseId !== undefined) select = select.where('release_id', '=', query.releaseId);
    if (query.afterSeq !== undefined) select = select.where('seq', '>', query.afterSeq);
    if (query.afterId !== undefined) {
      const afterId = query.afterId;
      select = select.where('seq', '>', (eb) =>
        eb.selectFrom('events').select((inner) => inner.fn.coalesce(inner.fn.max('seq'), inner.lit(0)).as('s')).where('id', '=', afterId),
      );
    }
    const rows = await select.orderBy('seq', 'asc').limit(query.limit ?? 100).execute();
    return rows.map(toEvent);
  }

  /** The newest events of a filter, still in log order (oldest of them first). */
  async tail(query: Omit<EventQuery, 'afterSeq' | 'afterId'> & { limit: number }): Promise<StoredEvent[]> {
    let select = this.#db.selectFrom('events').selectAll();
    if (query.service !== undefined) select = select.where('service', '=', query.service);
    if (query.releaseId !== undefined) select = select.where('release_id', '=', query.releaseId);
    const rows = await select.orderBy('seq', 'desc').limit(query.limit).execute();
    return rows.reverse().map(toEvent);
  }
}
