import { describe, expect, it } from 'vitest';
import { pgConnection } from './pg-connection.js';

describe('pgConnection', () => {
  it.each([
    ['postgres://app:s3cret@127.0.0.1:5432/shop', 'postgres://app@127.0.0.1:5432/shop', 's3cret'],
    ['postgresql://app:p%40ss%3Aw%2Frd@db.internal/shop?sslmode=require&application_name=x', 'postgresql://app@db.internal/shop?sslmode=require&application_name=x', 'p@ss:w/rd'],
    ['postgres://app:raw@at@host/db', 'postgres://app@host/db', 'raw@at'],
    ['postgres://app@host/db?sslmode=verify-full&password=q%26p&connect_timeout=5', 'postgres://app@host/db?sslmode=verify-full&connect_timeout=5', 'q&p'],
    ['postgres://app:pw@h1:5432,h2:5433/db?target_session_attrs=read-write', 'postgres://app@h1:5432,h2:5433/db?target_session_attrs=read-write', 'pw'],
    ['postgres://app:pw@%2Fvar%2Frun%2Fpostgresql/db', 'postgres://app@%2Fvar%2Frun%2Fpostgresql/db', 'pw'],
    ["host=127.0.0.1 password='it\\'s a \\\\ pw' dbname=shop", 'host=127.0.0.1  dbname=shop', "it's a \\ pw"],
    ['host=127.0.0.1 password=plain dbname=shop', 'host=127.0.0.1  dbname=shop', 'plain'],
  ])('%s → %s with the password in PGPASSWORD', (url, dbname, password) => {
    expect(pgConnection(url)).toEqual({ dbname, env: { PGPASSWORD: password } });
  });

  it.each(['postgres://app@127.0.0.1/shop?sslmode=disable', 'postgres://app:@host/db', 'host=/tmp dbname=shop'])('leaves %s without a password alone', (url) => {
    const { dbname, env } = pgConnection(url);
    expect(env).toEqual({});
    expect(dbname).toBe(url.replace('app:@', 'app@'));
  });
});
