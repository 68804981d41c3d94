/** The plan's `migrations.verify` assertions, run against the migrated database, each with the value seen. */
import { compareValue } from '../shared/compare-value.js';
import type { MigrationsConfig } from '../plan/schema/migrations.js';
import { describeError } from '../shared/errors.js';
import type { MigrationDatabase } from './migration-database.js';

/** One assertion as the plan states it. */
export type VerifyAssertion = MigrationsConfig['verify'][number];

/** One assertion's outcome: pass or fail, the value the database gave, and a line that says both. */
export interface VerifyResult {
  name: string;
  kind: 'sql' | 'tableExists';
  status: 'pass' | 'fail';
  /** The first column of the first row (or whether the table exists); null when the query failed. */
  value: unknown;
  /** What the plan expects, in words: `= 100`, `≥ 1`, `exists`. */
  expected: string;
  detail: string;
  durationMs: number;
}

/** Runs every assertion in order; a failing query fails its assertion, it does not stop the others. */
export async function runVerifyAssertions(db: MigrationDatabase, assertions: readonly VerifyAssertion[]): Promise<VerifyResult[]> {
  const results: VerifyResult[] = [];
  for (const assertion of assertions) results.push(await runOne(db, assertion));
  return results;
}

async function runOne(db: MigrationDatabase, assertion: VerifyAssertion): Promise<VerifyResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (assertion.tableExists !== undefined) {
    const name = assertion.name ?? `table ${assertion.tableExists}`;
    try {
      const present = await db.tableExists(assertion.tableExists);
      const detail = present ? `table ${assertion.tableExists} exists` : `table ${assertion.tableExists} does not exist`;
      return { name, kind: 'tableExists', status: present ? 'pass' : 'fail', value: present, expected: 'exists', detail, durationMs: elapsed() };
    } catch (error) {
      return { name, kind: 'tableExists', status: 'fail', value: null, expected: 'exists', detail: describeError(error), durationMs: elapsed() };
    }
  }
  const sql = assertion.sql ?? '';
  const name = assertion.name ?? sql;
  const expected = expectedText(assertion);
  try {
    const { rows, value } = await db.firstValue(sql);
    const seen = jsonSafe(value);
    if (rows === 0) return { name, kind: 'sql', status: 'fail', value: null, expected, detail: `${sql} → no rows, expected ${expected}`, durationMs: elapsed() };
    const problem = compareValue(value, { equals: assertion.equals, min: assertion.min, max: assertion.max });
    const detail = problem === undefined ? `${sql} → ${JSON.stringify(seen)}` : `${sql} → ${problem}`;
    return { name, kind: 'sql', status: problem === undefined ? 'pass' : 'fail', value: seen, expected, detail, durationMs: elapsed() };
  } catch (error) {
    return { name, kind: 'sql', status: 'fail', value: null, expected, detail: `${sql} → ${describeError(error)}`, durationMs: elapsed() };
  }
}

function expectedText(assertion: VerifyAssertion): string {
  const parts: string[] = [];
  if (assertion.equals !== undefined) parts.push(`= ${JSON.stringify(assertion.equals)}`);
  if (assertion.min !== undefined) parts.push(`≥ ${assertion.min}`);
  if (assertion.max !== undefined) parts.push(`≤ ${assertion.max}`);
  return parts.join(' and ');
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  return value ?? null;
}
