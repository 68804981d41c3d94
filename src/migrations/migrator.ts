/** The migrator: status, up, down and repair over migration files and one database, under the migration lock. */
import { describeError, EXIT, GlidepathError } from '../shared/errors.js';
import type { MigrationDatabase, MigrationExecution, MigrationStep } from './migration-database.js';
import { sameVersion, type MigrationFile, type MigrationScript } from './migration-files.js';
import {
  driftProblems,
  migrationStatus,
  migrationsToApply,
  migrationsToRevert,
  parseTargetVersion,
  revertProblems,
  type MigrationStatusEntry,
} from './migration-state.js';

/** How long a runner waits for another runner's migration lock by default. */
export const DEFAULT_MIGRATION_LOCK_TIMEOUT_MS = 60_000;

/** What a migrator works with. */
export interface MigratorOptions {
  db: MigrationDatabase;
  files: readonly MigrationFile[];
  table: string;
  /** Recorded as applied_by / repaired_by. */
  actor: string;
  lockTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((line: string) => void) | undefined;
  now?: (() => Date) | undefined;
}

/** One migration in an up or down run. */
export interface MigrationRunItem {
  version: string;
  name: string;
  file: string | null;
  execution: MigrationExecution;
  status: 'planned' | 'applied' | 'reverted' | 'failed' | 'skipped';
  durationMs: number | null;
  error: string | null;
  /** With --dry-run: the SQL that would run, with the bookkeeping around it. */
  sql?: string;
}

/** The outcome of `up` or `down`: what ran, and why it stopped when it did not finish. */
export interface MigrationRun {
  database: string;
  table: string;
  direction: 'up' | 'down';
  dryRun: boolean;
  ok: boolean;
  reason: string | null;
  migrations: MigrationRunItem[];
  /** Applied files that changed; any of these stops a run before it starts. */
  problems: string[];
  /** Recorded migrations whose files are gone; reported, not fatal. */
  warnings: string[];
}

/** The outcome of `repair`: the checksums accepted, by whom and when. */
export interface MigrationRepair {
  database: string;
  table: string;
  repaired: { version: string; name: string; file: string | null; oldChecksum: string | null; newChecksum: string | null; repairedBy: string; repairedAt: string }[];
  warnings: string[];
}

/** Status of every migration: `database`, `table`, entries in version order, counts and drift. */
export interface MigrationStatusReport {
  database: string;
  table: string;
  migrations: MigrationStatusEntry[];
  summary: Record<MigrationStatusEntry['state'], number>;
  problems: string[];
}

const REPAIR_HINT = 'restore the file, or accept its new content with `glidepath migrate repair`';

/** Applies and reverts migration files against one database; one instance per command or release. */
export class Migrator {
  readonly #o: MigratorOptions;

  constructor(options: MigratorOptions) {
    this.#o = options;
  }

  /** Every migration with its state; reads only, never creates the table or takes the lock. */
  async status(): Promise<MigrationStatusReport> {
    const migrations = await this.#entries();
    const summary = { applied: 0, pending: 0, changed: 0, missing: 0 };
    for (const entry of migrations) summary[entry.state]++;
    return { database: this.#o.db.label, table: this.#o.table, migrations, summary, problems: driftProblems(migrations) };
  }

  /** Applies pending migrations in order (up to `to`), each in its own transaction unless its file opts out. */
  async up(options: { to?: string | undefined; dryRun?: boolean | undefined } = {}): Promise<MigrationRun> {
    const to = parseTargetVersion(options.to);
    const dryRun = options.dryRun ?? false;
    return this.#locked(!dryRun, async () => {
      const entries = await this.#entries();
      const targets = migrationsToApply(entries, to);
      return this.#execute('up', dryRun, entries, targets);
    });
  }

  /**
   * Reverts the newest applied migration, or all above `to`, with their down files; `confirm` is asked before
   * the lock is taken, so a person reading the prompt holds up no other runner.
   */
  async down(options: { to?: string | undefined; dryRun?: boolean | undefined; confirm?: (targets: MigrationStatusEntry[]) => Promise<boolean> } = {}): Promise<MigrationRun> {
    const to = parseTargetVersion(options.to);
    const dryRun = options.dryRun ?? false;
    const plan = async () => {
      const entries = await this.#entries();
      const targets = migrationsToRevert(entries, to);
      const problems = revertProblems(targets);
      if (problems.length > 0) {
        throw new GlidepathError(`cannot revert; nothing was reverted:\n${problems.map((p) => `  ${p}`).join('\n')}`, { code: 'no_down_file', exitCode: EXIT.input });
      }
      return { entries, targets };
    };
    const first = await plan();
    // Nothing to revert, or refused for drift: no lock and no question needed.
    if (dryRun || first.targets.length === 0 || first.entries.some((e) => e.state === 'changed')) {
      return this.#execute('down', dryRun, first.entries, first.targets);
    }
    if (options.confirm && !(await options.confirm(first.targets))) {
      return { ...this.#base('down', false, first.entries), ok: false, reason: 'not confirmed; nothing was reverted', migrations: first.targets.map((t) => this.#item(t, 'down', 'skipped')) };
    }
    return this.#locked(true, async () => {
      const again = await plan();
      const versions = (list: MigrationStatusEntry[]) => list.map((t) => t.version).join(',');
      if (versions(again.targets) !== versions(first.targets)) {
        return { ...this.#base('down', false, again.entries), ok: false, reason: 'applied migrations changed while waiting for confirmation; nothing was reverted, run again' };
      }
      return this.#execute('down', false, again.entries, again.targets);
    });
  }

  /** Accepts the current content of every changed applied file, recording who and when. */
  async repair(): Promise<MigrationRepair> {
    return this.#locked(true, async () => {
      const entries = await this.#entries();
      const at = (this.#o.now?.() ?? new Date()).toISOString();
      const repaired: MigrationRepair['repaired'] = [];
      for (const entry of entries.filter((e) => e.state === 'changed')) {
        await this.#o.db.setChecksum(entry.version, entry.checksum ?? '', this.#o.actor, at);
        this.#o.onProgress?.(`accepted ${entry.file ?? entry.name}: ${entry.appliedChecksum ?? '?'} → ${entry.checksum ?? '?'}`);
        repaired.push({ version: entry.version, name: entry.name, file: entry.file, oldChecksum: entry.appliedChecksum, newChecksum: entry.checksum, repairedBy: this.#o.actor, repairedAt: at });
      }
      return { database: this.#o.db.label, table: this.#o.table, repaired, warnings: driftProblems(entries.filter((e) => e.state === 'missing')) };
    });
  }

  async #entries(): Promise<MigrationStatusEntry[]> {
    return migrationStatus(this.#o.files, await this.#o.db.readApplied());
  }

  async #locked<T>(lock: boolean, body: () => Promise<T>): Promise<T> {
    if (!lock) return body();
    await this.#o.db.lock({
      timeoutMs: this.#o.lockTimeoutMs ?? DEFAULT_MIGRATION_LOCK_TIMEOUT_MS,
      signal: this.#o.signal,
      onWait: (holder) => this.#o.onProgress?.(`waiting for the migration lock of ${this.#o.db.label} (held by ${holder}) …`),
    });
    try {
      await this.#o.db.ensureTable();
      return await body();
    } finally {
      await this.#o.db.unlock().catch(() => undefined);
    }
  }

  #base(direction: 'up' | 'down', dryRun: boolean, entries: MigrationStatusEntry[]): MigrationRun {
    const changed = entries.filter((e) => e.state === 'changed');
    const missing = entries.filter((e) => e.state === 'missing');
    return { database: this.#o.db.label, table: this.#o.table, direction, dryRun, ok: true, reason: null, migrations: [], problems: driftProblems(changed), warnings: driftProblems(missing) };
  }

  #file(entry: MigrationStatusEntry): MigrationFile | undefined {
    return this.#o.files.find((f) => sameVersion(f.version, entry.version));
  }

  #script(entry: MigrationStatusEntry, direction: 'up' | 'down'): MigrationScript | undefined {
    const file = this.#file(entry);
    return direction === 'up' ? file?.up : file?.down;
  }

  #item(entry: MigrationStatusEntry, direction: 'up' | 'down', status: MigrationRunItem['status']): MigrationRunItem {
    const script = this.#script(entry, direction);
    return {
      version: entry.version,
      name: entry.name,
      file: script?.file ?? entry.file,
      execution: script?.transactional === false ? 'non-transactional' : 'transactional',
      status,
      durationMs: null,
      error: null,
    };
  }

  async #execute(direction: 'up' | 'down', dryRun: boolean, entries: MigrationStatusEntry[], targets: MigrationStatusEntry[]): Promise<MigrationRun> {
    const base = this.#base(direction, dryRun, entries);
    const items = targets.map((t) => this.#item(t, direction, 'planned'));
    if (base.problems.length > 0) {
      const count = base.problems.length === 1 ? 'an applied migration changed' : `${base.problems.length} applied migrations changed`;
      return { ...base, ok: false, reason: `${count}; ${REPAIR_HINT}: ${base.problems.join('; ')}`, migrations: items.map((i) => ({ ...i, status: 'skipped' })) };
    }
    if (dryRun) {
      return { ...base, migrations: items.map((item, i) => ({ ...item, sql: this.#dryRunSql(targets[i] as MigrationStatusEntry, direction) })) };
    }
    for (const [i, target] of targets.entries()) {
      const item = items[i] as MigrationRunItem;
      const script = this.#script(target, direction) as MigrationScript;
      if (this.#o.signal?.aborted) {
        items.slice(i).forEach((rest) => (rest.status = 'skipped'));
        return { ...base, ok: false, reason: `aborted before ${script.file}`, migrations: items };
      }
      this.#o.onProgress?.(`${direction === 'up' ? 'applying' : 'reverting'} ${script.file} …`);
      try {
        const { durationMs } = await this.#o.db.run(this.#step(target, script, direction));
        Object.assign(item, { status: direction === 'up' ? 'applied' : 'reverted', durationMs });
        this.#o.onProgress?.(`${direction === 'up' ? 'applied' : 'reverted'} ${script.file} in ${durationMs}ms`);
      } catch (error) {
        const message = describeError(error);
        Object.assign(item, { status: 'failed', error: message });
        items.slice(i + 1).forEach((rest) => (rest.status = 'skipped'));
        const after = script.transactional ? 'it was rolled back, so the database is as it was before it' : 'it ran without a transaction, so statements before the failing one stay applied';
        return { ...base, ok: false, reason: `${script.file} failed: ${message}; ${after}`, migrations: items };
      }
    }
    return { ...base, migrations: items };
  }

  #step(target: MigrationStatusEntry, script: MigrationScript, direction: 'up' | 'down'): MigrationStep {
    if (direction === 'down') return { sql: script.sql, transactional: script.transactional, record: { remove: target.version } };
    return {
      sql: script.sql,
      transactional: script.transactional,
      record: {
        insert: {
          version: target.version,
          name: target.name,
          checksum: script.checksum,
          appliedAt: (this.#o.now?.() ?? new Date()).toISOString(),
          appliedBy: this.#o.actor,
          execution: script.transactional ? 'transactional' : 'non-transactional',
        },
      },
    };
  }

  #dryRunSql(target: MigrationStatusEntry, direction: 'up' | 'down'): string {
    const script = this.#script(target, direction) as MigrationScript;
    const body = script.sql.replace(/\s+$/, '');
    const bookkeeping = direction === 'up' ? `-- then: record version ${target.version} in ${this.#o.table}` : `-- then: remove version ${target.version} from ${this.#o.table}`;
    if (!script.transactional) return `-- ${script.file} (no transaction: statement by statement)\n${body}\n${bookkeeping}\n`;
    return `-- ${script.file}\nBEGIN;\n${body}\n${bookkeeping}\nCOMMIT;\n`;
  }
}
