/** The delivery log of notifications in the store: one row per notification and notifier, kept to a bound. */
import type { Kysely, Selectable } from 'kysely';
import { newId } from './id.js';
import type { Database, IsoTime } from './schema.js';

/** Table `notification_deliveries` (migration 0005). */
export interface NotificationDeliveriesTable {
  id: string;
  service: string;
  notifier: string;
  kind: string;
  event: string;
  summary: string;
  release_id: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  started_at: IsoTime;
  finished_at: IsoTime | null;
  duration_ms: number | null;
}

/** Where a delivery stands: `sending` while attempts go on, then `delivered` or `failed`. */
export type DeliveryStatus = 'sending' | 'delivered' | 'failed';

/** One notification's delivery to one notifier. */
export interface DeliveryRecord {
  id: string;
  service: string;
  notifier: string;
  kind: string;
  event: string;
  summary: string;
  releaseId: string | null;
  status: DeliveryStatus;
  attempts: number;
  /** The last attempt's error, secrets already removed; null once delivered at the first attempt. */
  lastError: string | null;
  startedAt: IsoTime;
  finishedAt: IsoTime | null;
  durationMs: number | null;
}

/** What `start` needs. */
export interface NewDelivery {
  service: string;
  notifier: string;
  kind: string;
  event: string;
  summary: string;
  releaseId?: string | null;
}

/** How many deliveries the log keeps per service by default; older rows are deleted as new ones finish. */
export const DEFAULT_DELIVERY_LOG_ROWS = 1_000;

type Log = Kysely<Database & { notification_deliveries: NotificationDeliveriesTable }>;

function toRecord(row: Selectable<NotificationDeliveriesTable>): DeliveryRecord {
  return {
    id: row.id,
    service: row.service,
    notifier: row.notifier,
    kind: row.kind,
    event: row.event,
    summary: row.summary,
    releaseId: row.release_id,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
  };
}

/** The delivery log: rows start as `sending` and end `delivered` or `failed`; the newest `maxRows` are kept. */
export class DeliveryRepository {
  readonly #db: Log;
  readonly #now: () => Date;
  readonly #maxRows: number;

  constructor(db: Kysely<Database>, now: () => Date, maxRows = DEFAULT_DELIVERY_LOG_ROWS) {
    this.#db = db.withTables<{ notification_deliveries: NotificationDeliveriesTable }>();
    this.#now = now;
    this.#maxRows = maxRows;
  }

  /** Records a delivery that is starting (status `sending`, no attempt yet). */
  async start(input: NewDelivery): Promise<DeliveryRecord> {
    const now = this.#now();
    const row: Selectable<NotificationDeliveriesTable> = {
      id: newId('dlv', now.getTime()),
      service: input.service,
      notifier: input.notifier,
      kind: input.kind,
      event: input.event,
      summary: input.summary,
      release_id: input.releaseId ?? null,
      status: 'sending',
      attempts: 0,
      last_error: null,
      started_at: now.toISOString(),
      finished_at: null,
      duration_ms: null,
    };
    await this.#db.insertInto('notification_deliveries').values(row).execute();
    return toRecord(row);
  }

  /** Records an attempt's outcome; a final status also sets the finish time and prunes the oldest rows. */
  async update(id: string, change: { status: DeliveryStatus; attempts: number; lastError: string | null; durationMs?: number }): Promise<DeliveryRecord> {
    const final = change.status !== 'sending';
    const row = await this.#db
      .updateTable('notification_deliveries')
      .set({
        status: change.status,
        attempts: change.attempts,
        last_error: change.lastError,
        ...(final && { finished_at: this.#now().toISOString(), duration_ms: change.durationMs ?? null }),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (final) await this.prune(row.service);
    return toRecord(row);
  }

  /** The newest deliveries of a service, newest first; optionally of one notifier. */
  async list(query: { service: string; notifier?: string; limit?: number }): Promise<DeliveryRecord[]> {
    let select = this.#db.selectFrom('notification_deliveries').selectAll().where('service', '=', query.service);
    if (query.notifier !== undefined) select = select.where('notifier', '=', query.notifier);
    const rows = await select.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(query.limit ?? 50).execute();
    return rows.map(toRecord);
  }

  /** Deletes a service's rows beyond the newest `maxRows`; returns how many went. */
  async prune(service: string, maxRows = this.#maxRows): Promise<number> {
    const cutoff = await this.#db
      .selectFrom('notification_deliveries')
      .select('id')
      .where('service', '=', service)
      .orderBy('id', 'desc')
      .offset(maxRows)
      .limit(1)
      .executeTakeFirst();
    if (!cutoff) return 0;
    const deleted = await this.#db.deleteFrom('notification_deliveries').where('service', '=', service).where('id', '<=', cutoff.id).executeTakeFirst();
    return Number(deleted.numDeletedRows);
  }
}
