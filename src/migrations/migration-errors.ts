/** Errors of migrations that mean something to a user: bad files, a lock held by another runner. */
import { EXIT, GlidepathError } from '../shared/errors.js';

/** The migrations directory cannot be used as it is (duplicate versions, orphan down files, bad names). */
export class MigrationFilesError extends GlidepathError {
  readonly problems: string[];

  constructor(dir: string, problems: string[]) {
    const head = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`migrations in ${dir}: ${head}:\n${problems.map((p) => `  ${p}`).join('\n')}`, {
      code: 'migration_files',
      exitCode: EXIT.input,
    });
    this.problems = problems;
  }
}

/** Another runner holds the migration lock of this database and table. */
export class MigrationLockError extends GlidepathError {
  constructor(message: string) {
    super(message, { code: 'migration_lock', exitCode: EXIT.unavailable });
  }
}
