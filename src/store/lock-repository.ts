/** Named leases in the store (the release lock, the maintenance lock). */
import type { Kysely, Selectable } from 'kysely';
import type { Database, IsoTime, LocksTable } from './schema.js';

/** A named lease. */
export interface Lock {
  name: string;
  holder: string;
  acquiredAt: IsoTime;
  expiresAt: IsoTime;
}

function toLock(row: Selectable<LocksTable>): Lock {
  return { name: row.name, holder: row.holder, acquiredAt: row.acquired_at, expiresAt: row.expires_at };
}

/** Named leases shared by every process that opens the store (daemon, CLI, CI runners). */
export class LockRepository {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, now: () => Date) {
    this.#db = db;
    this.#now = now;
  }

  /**
   * Takes the lock for `ttlMs` when it is free, expired, or already held by `holder` (which renews it);
   * returns whether `holder` now has it. One statement, so two racing acquirers cannot both win.
   */
  async tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.#now();
    const acquiredAt = now.toISOString();
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    const row = await this.#db
      .insertInto('locks')
      .values({ name, holder, acquired_at: acquiredAt, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, acquired_at: acquiredAt, expires_at: expiresAt })
          .where((eb) => eb.or([eb('locks.expires_at', '<=', acquiredAt), eb('locks.holder', '=', holder)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return row?.holder === holder;
  }

  /** Gives the lock up if `holder` has it; returns whether it did. */
  async release(name: string, holder: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('locks')
      .where('name', '=', name)
      .where('holder', '=', holder)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** The lock's current lease, or undefined when nobody holds it or the lease has expired. */
  async get(name: string): Promise<Lock | undefined> {
    const row = await this.#db
      .selectFrom('locks')
      .selectAll()
      .where('name', '=', name)
      .where('expires_at', '>', this.#now().toISOString())
      .executeTakeFirst();
    return row && toLock(row);
  }
}
