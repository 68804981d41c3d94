import { describe, expect, it } from 'vitest';
import { splitSqlStatements } from './sql-statements.js';

describe('splitSqlStatements', () => {
  it('splits on semicolons and drops blanks and comment-only pieces', () => {
    expect(splitSqlStatements('-- glidepath: no-transaction\nCREATE TABLE t (x int);\n\nCREATE INDEX CONCURRENTLY i ON t (x);\n-- done\n')).toEqual([
      '-- glidepath: no-transaction\nCREATE TABLE t (x int)',
      'CREATE INDEX CONCURRENTLY i ON t (x)',
    ]);
    expect(splitSqlStatements('SELECT 1')).toEqual(['SELECT 1']);
    expect(splitSqlStatements(';;  ;')).toEqual([]);
  });

  it('keeps semicolons inside strings, identifiers, comments and dollar quotes', () => {
    const sql = [
      "INSERT INTO t VALUES ('a;b', 'it''s;', E'x\\';y')",
      'SELECT 1 AS "semi;colon" /* a; /* nested; */ still; */',
      'CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql',
      'SELECT $$;$$, $1',
    ].join(';\n');
    expect(splitSqlStatements(sql)).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s;', E'x\\';y')",
      'SELECT 1 AS "semi;colon" /* a; /* nested; */ still; */',
      'CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql',
      'SELECT $$;$$, $1',
    ]);
  });
});
