import { describe, expect, it } from 'vitest';
import { PlanError, type PlanIssue } from '../shared/errors.js';
import { parsePlan } from './load.js';

const SECRET = 'hunter2-very-secret';

function issuesOf(text: string, env: Record<string, string> = {}): PlanIssue[] {
  try {
    parsePlan(text, 'glidepath.yaml', env);
  } catch (error) {
    if (error instanceof PlanError) return error.issues;
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

describe('keys the loader refuses', () => {
  it('refuses a repeated key at the repeat, with its path, in any mapping', () => {
    const issues = issuesOf('version: 1\nservice: s\ntarget:\n  env: { A: 1, B: 2, A: 3 }\n');
    expect(issues).toEqual([{ file: 'glidepath.yaml', line: 4, column: 22, path: 'target.env.A', message: 'YAML: Map keys must be unique' }]);
  });

  it('tells 1 and "1" apart as YAML does', () => {
    const issues = issuesOf('version: 1\nservice: s\ntarget:\n  env: { 1: a, "1": b }\n');
    expect(issues.some((issue) => /unique/.test(issue.message))).toBe(false);
  });

  it.each([
    ['a flow mapping key', 'version: 1\nservice: s\n{ a: "${SECRET}" }: 2\n', 3, 1, ''],
    ['an explicit mapping key', 'version: 1\nservice: s\n? { a: "${SECRET}" }\n: 1\n', 3, 3, ''],
    ['a mapping key under checks', 'version: 1\nservice: s\nchecks:\n  { postgres: { url: "${SECRET}" } }: 1\n', 4, 3, 'checks'],
    ['a list key', 'version: 1\nservice: s\nchecks:\n  ? [ "${SECRET}" ]\n  : 1\n', 4, 5, 'checks'],
    ['a key in a flow mapping value', 'version: 1\nservice: s\ntarget: { type: process, { a: "${SECRET}" }: 1 }\n', 3, 26, 'target'],
  ])('refuses %s without showing the value it holds', (_name, text, line, column, path) => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const issues = issuesOf(text, { SECRET });
      expect(issues).toEqual([{ file: 'glidepath.yaml', line, column, path, message: 'a key must be a plain name, not a mapping, a list or an alias' }]);
      expect(JSON.stringify(issues)).not.toContain(SECRET);
    } finally {
      process.off('warning', onWarning);
    }
    // `yaml` warns on stderr when it turns a collection key into text; that text held the secret.
    expect(warnings.join('\n')).not.toContain(SECRET);
  });

  it('masks an environment value that a message would quote (a cron library echoes its input)', () => {
    const issues = issuesOf('version: 1\nservice: s\nchecks:\n  db: { postgres: { url: "postgres://x" }, timeout: "${SECRET}" }\n', { SECRET: '5 seconds-secret' });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toBe('expected a duration like 250ms, 30s, 2m, 1h or 30d, got the value of ${SECRET}');
    expect(JSON.stringify(issues)).not.toContain('seconds-secret');
  });
});

describe('large mappings', () => {
  const N = 32_768;

  it(`validates a mapping of ${N} keys and locates each of its ${N} unknown keys`, () => {
    const lines = ['version: 1', 'service: s'];
    for (let i = 0; i < N; i++) lines.push(`k${i}: 1`);
    const issues = issuesOf(`${lines.join('\n')}\n`);
    expect(issues).toHaveLength(N);
    expect(issues[0]).toMatchObject({ line: 3, column: 1, path: 'k0', message: expect.stringMatching(/^unknown key "k0"/) });
    expect(issues[N - 1]).toMatchObject({ line: N + 2, column: 1, path: `k${N - 1}` });
  });

  it(`accepts an env mapping of ${N} keys and finds a repeat at its end`, () => {
    const lines = ['version: 1', 'service: s', 'target:', '  type: process', '  listen: 127.0.0.1:8080', '  start: node s.js', '  env:'];
    for (let i = 0; i < N; i++) lines.push(`    K${i}: v${i}`);
    const plan = parsePlan(`${lines.join('\n')}\n`, 'glidepath.yaml', {});
    expect(plan.target?.type === 'process' && Object.keys(plan.target.env)).toHaveLength(N);
    const issues = issuesOf(`${lines.join('\n')}\n    K7: again\n`);
    expect(issues).toEqual([{ file: 'glidepath.yaml', line: N + 8, column: 5, path: 'target.env.K7', message: 'YAML: Map keys must be unique' }]);
  });
});
