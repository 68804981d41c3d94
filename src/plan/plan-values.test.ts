/** Values of the right type but clearly wrong: each is refused where it stands, in the user's terms. */
import { describe, expect, it } from 'vitest';
import { PlanError, formatPlanIssue } from '../shared/errors.js';
import { parsePlan } from './load.js';
import { alertsSchema } from './schema/alerts.js';

const TARGET = 'version: 1\nservice: s\ntarget:\n  type: process\n  listen: 127.0.0.1:8080\n  start: node s.js\n';
const CHECK = (check: string) => `version: 1\nservice: s\nchecks:\n  h: ${check}\n`;

function refusal(text: string, env: Record<string, string> = {}): string[] {
  try {
    parsePlan(text, 'glidepath.yaml', env);
  } catch (error) {
    if (error instanceof PlanError) return error.issues.map(formatPlanIssue);
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

const accepted = (text: string, env: Record<string, string> = {}) => parsePlan(text, 'glidepath.yaml', env);

describe('values the validator refuses', () => {
  it.each([
    ['a listen port above 65535', TARGET.replace('8080', '70000'), 'glidepath.yaml:5:11 target.listen: expected a port from 1 to 65535, as in 127.0.0.1:8080, got "127.0.0.1:70000"'],
    ['a listen port of 0', TARGET.replace('8080', '0'), 'glidepath.yaml:5:11 target.listen: expected a port from 1 to 65535, as in 127.0.0.1:8080, got "127.0.0.1:0"'],
    ['a daemon port of 65536', 'version: 1\nservice: s\ndaemon: { listen: "127.0.0.1:65536" }\n', 'glidepath.yaml:3:19 daemon.listen: expected a port from 1 to 65535, as in 127.0.0.1:8080, got "127.0.0.1:65536"'],
    ['a URL with port 0', CHECK('{ http: { url: "http://127.0.0.1:0/" } }'), 'glidepath.yaml:4:21 checks.h.http.url: expected an http(s) URL like {url}/health (port 0 cannot be reached), got "http://127.0.0.1:0/"'],
    ['a URL with port 70000', CHECK('{ http: { url: "http://127.0.0.1:70000/" } }'), 'glidepath.yaml:4:21 checks.h.http.url: expected an http(s) URL like {url}/health (it does not parse as a URL), got "http://127.0.0.1:70000/"'],
    ['a mysql store', 'version: 1\nservice: s\nstore: mysql://x\n', 'glidepath.yaml:3:8 store: expected sqlite:PATH or a postgres:// URL (only sqlite: and postgres:// are supported), got "mysql://x"'],
    ['a sqlite store without a path', 'version: 1\nservice: s\nstore: "sqlite:"\n', 'glidepath.yaml:3:8 store: expected sqlite:PATH or a postgres:// URL (sqlite: needs a path, like sqlite:.glidepath/state.db), got "sqlite:"'],
    ['a mysql migrations URL', 'version: 1\nservice: s\nmigrations: { url: "mysql://x/db" }\n', 'glidepath.yaml:3:20 migrations.url: expected sqlite:PATH or a postgres:// URL (only sqlite: and postgres:// are supported), got "mysql://x/db"'],
    ['an error rate over 100%', `${TARGET}analysis:\n  metrics:\n    - { name: e, metric: error_rate, max: 150% }\n`, 'glidepath.yaml:9:43 analysis.metrics[0].max: expected a fraction from 0 to 1 like 0.05, or a percentage up to 100% like 5%, got "150%"'],
    ['an error rate over 1', `${TARGET}analysis:\n  metrics:\n    - { name: e, metric: error_rate, max: 1.5 }\n`, 'glidepath.yaml:9:43 analysis.metrics[0].max: expected a fraction from 0 to 1 like 0.05, or a percentage up to 100% like 5%, got 1.5'],
    ['a look more often than 100ms', `${TARGET}analysis:\n  lookEvery: 50ms\n`, 'glidepath.yaml:8:14 analysis.lookEvery: expected a duration of at least 100ms, got "50ms"'],
    ['a p95 threshold of banana', `${TARGET}analysis:\n  metrics:\n    - { name: l, metric: p95, max: banana }\n`, 'glidepath.yaml:9:36 analysis.metrics[0].max: expected a duration like 250ms or 2s, got "banana"'],
    ['a header name with CR LF', CHECK('{ http: { url: "{url}/x", headers: { "X-A\\r\\nB": "1" } } }'), 'glidepath.yaml:4:43 checks.h.http.headers["X-A\\r\\nB"]: expected a header name of letters, digits and - (no spaces, colons or line breaks), got "X-A\\r\\nB"'],
    ['a header name with a colon', CHECK('{ http: { url: "{url}/x", headers: { "X-A: b": "1" } } }'), 'glidepath.yaml:4:43 checks.h.http.headers["X-A: b"]: expected a header name of letters, digits and - (no spaces, colons or line breaks), got "X-A: b"'],
    ['a header value with CR LF', CHECK('{ http: { url: "{url}/x", headers: { X-A: "a\\r\\nB: c" } } }'), 'glidepath.yaml:4:48 checks.h.http.headers.X-A: expected a header value without line breaks, got "a\\r\\nB: c"'],
    ['an empty env name', `${TARGET}  env: { "": a }\n`, 'glidepath.yaml:7:10 target.env[""]: expected an environment variable name of letters, digits and _, not starting with a digit, got ""'],
    ['an env name with =', `${TARGET}  env: { "A=B": c }\n`, 'glidepath.yaml:7:10 target.env.A=B: expected an environment variable name of letters, digits and _, not starting with a digit, got "A=B"'],
    ['a command check env name starting with a digit', CHECK('{ command: { run: "true", env: { 1X: a } } }'), 'glidepath.yaml:4:39 checks.h.command.env.1X: expected an environment variable name of letters, digits and _, not starting with a digit, got "1X"'],
    ['a million instances', `${TARGET}  instances: 1000000\n`, 'glidepath.yaml:7:14 target.instances: expected at most 64 instances, got 1000000'],
    ['a URL that is not a URL', CHECK('{ http: { url: "not a url" } }'), 'glidepath.yaml:4:21 checks.h.http.url: expected an http(s) URL like {url}/health (it does not parse as a URL), got "not a url"'],
    ['an ftp URL for an http check', CHECK('{ http: { url: "ftp://x/" } }'), 'glidepath.yaml:4:21 checks.h.http.url: expected an http(s) URL like {url}/health (its scheme is ftp), got "ftp://x/"'],
    ['an http URL for a postgres check', CHECK('{ postgres: { url: "http://x" } }'), 'glidepath.yaml:4:25 checks.h.postgres.url: expected a postgres:// URL like postgres://user@127.0.0.1:5432/db (its scheme is http), got "http://x"'],
    ['a prometheus URL that is a path', `${TARGET}analysis:\n  metrics:\n    - { name: p, prometheus: { url: /api, query: up }, max: 1 }\n`, 'glidepath.yaml:9:37 analysis.metrics[0].prometheus.url: expected an http(s) URL like http://127.0.0.1:9090 (it does not parse as a URL), got "/api"'],
    ['a drain of 10^20 days', `${TARGET}  drain: 99999999999999999999d\n`, 'glidepath.yaml:7:10 target.drain: expected a duration of at most 365d, got "99999999999999999999d"'],
    ['a drain of 366 days', `${TARGET}  drain: 366d\n`, 'glidepath.yaml:7:10 target.drain: expected a duration of at most 365d, got "366d"'],
    ['a pause of a million hours', `${TARGET}strategy: { canary: { steps: [ { pause: 1000000h } ] } }\n`, 'glidepath.yaml:7:41 strategy.canary.steps[0].pause: expected a duration of at most 365d, got "1000000h"'],
    ['a version header with a space', `${TARGET}  versionHeader: "X Version"\n`, 'glidepath.yaml:7:18 target.versionHeader: expected a header name of letters, digits and -, got "X Version"'],
  ])('%s', (_name, text, located) => {
    expect(refusal(text)).toEqual([located]);
  });

  it('refuses a p95 alert threshold of banana (the schema that alert rules will use)', () => {
    const result = alertsSchema.safeParse([{ name: 'slow', when: { metric: 'p95', max: 'banana' } }]);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([['0.when.max', 'expected a duration like 250ms or 2s, got "banana"']]);
    expect(alertsSchema.safeParse([{ name: 'slow', when: { metric: 'p95', max: '1s' } }]).success).toBe(true);
    expect(alertsSchema.safeParse([{ name: 'errors', when: { metric: 'error_rate', max: '150%' } }]).success).toBe(false);
  });

  it('never shows a bad value that came from the environment', () => {
    expect(refusal(CHECK('{ http: { url: "${HEALTH}" } }'), { HEALTH: 'ftp://token-abcdef@x/' })).toEqual([
      'glidepath.yaml:4:21 checks.h.http.url: expected an http(s) URL like {url}/health (its scheme is ftp), got the value of ${HEALTH}',
    ]);
  });
});

describe('values the validator still accepts', () => {
  it('URLs built from placeholders and variables, IPv6 listen addresses, the longest durations', () => {
    const plan = accepted(
      `${TARGET.replace('127.0.0.1:8080', '"[::1]:65535"')}  drain: 365d\n  env: { _A1: x, DATABASE_URL: "\${DB}" }\n  instances: 64\nchecks:\n  a: { http: { url: "{url}/health" } }\n  b: { http: { url: "{service_url}/v/{version}" } }\n  c: { http: { url: "http://127.0.0.1:{port}/x", headers: { X-Api-Key: "\${DB}" } } }\n  d: { http: { url: "\${BASE}/health" } }\n  e: { postgres: { url: "\${DB}" } }\n  f: { redis: { url: "rediss://:pw@127.0.0.1:6380/0" } }\nstore: "postgresql://u@127.0.0.1/state"\n`,
      { DB: 'postgres://u:p@127.0.0.1/db', BASE: 'https://example.com' },
    );
    expect(plan.target?.type === 'process' && [plan.target.drain, plan.target.instances]).toEqual([365 * 86_400_000, 64]);
    expect(accepted('version: 1\nservice: s\nstore: "sqlite::memory:"\n').store).toBe('sqlite::memory:');
    expect(accepted(`${TARGET}analysis:\n  metrics:\n    - { name: e, metric: error_rate, max: 100% }\n    - { name: c, metric: cpu, max: 150% }\n`).analysis?.metrics.map((m) => m.max)).toEqual([1, 1.5]);
  });
});
