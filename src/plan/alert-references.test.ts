import { describe, expect, it } from 'vitest';
import { PlanError, type PlanIssue } from '../shared/errors.js';
import { parsePlan } from './load.js';

const BACKUP = `backup:
  sources:
    - { name: db, sqlite: { path: app.db } }
    - { name: files, files: { path: data }, schedule: "0 3 * * *" }
  store: { dir: backups }
  schedule: "0 2 * * *"
  verify: { schedule: "0 4 * * 0" }
`;
const JOBS = 'jobs:\n  - { name: nightly, schedule: "0 1 * * *", run: "true" }\n';

function issuesOf(text: string): PlanIssue[] {
  try {
    parsePlan(text, 'glidepath.yaml', {});
  } catch (error) {
    if (error instanceof PlanError) return error.issues;
    throw error;
  }
  return [];
}

describe('alert job and rpo conditions', () => {
  it('accepts a plan job, the daemon\'s backup jobs and *, with failures defaulting to 1', () => {
    const plan = parsePlan(
      `version: 1\nservice: s\n${JOBS}${BACKUP.replace('  schedule:', '  rpo: 26h\n  schedule:')}alerts:\n` +
        ['nightly', 'backup', 'backup.files', 'restore-drill', '*'].map((job, i) => `  - { name: j${i}, job: { name: "${job}" } }\n`).join('') +
        '  - { name: r1, rpo: db }\n  - { name: r2, rpo: "*", for: 1h }\n  - { name: j9, job: { name: nightly, failures: 3 } }\n',
      'glidepath.yaml',
      {},
    );
    expect(plan.alerts.map((a) => a.job ?? a.rpo)).toEqual([
      { name: 'nightly', failures: 1 },
      { name: 'backup', failures: 1 },
      { name: 'backup.files', failures: 1 },
      { name: 'restore-drill', failures: 1 },
      { name: '*', failures: 1 },
      'db',
      '*',
      { name: 'nightly', failures: 3 },
    ]);
  });

  it('refuses an unknown job, an unknown source, an rpo without backup.rpo and a bad failures count, each where it stands', () => {
    const text = `version: 1\nservice: s\n${JOBS}${BACKUP}alerts:\n  - { name: a, job: { name: nighly } }\n  - { name: b, rpo: db }\n  - { name: c, job: { name: nightly, failures: 0 } }\n  - { name: d, job: { name: nightly }, rpo: db }\n`;
    const issues = issuesOf(text);
    expect(issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)).toEqual([
      '13:29 alerts[0].job.name: unknown job "nighly" (the daemon\'s jobs: nightly, backup, backup.files, restore-drill; or * for any)',
      '14:21 alerts[1].rpo: compares backups against backup.rpo, and the plan sets none (add e.g. `backup: { rpo: 26h }`)',
      '15:48 alerts[2].job.failures: expected at least 1, got 0',
      '16:5 alerts[3]: expected an alert condition: only one of job, rpo',
      '16:45 alerts[3].rpo: compares backups against backup.rpo, and the plan sets none (add e.g. `backup: { rpo: 26h }`)',
    ]);
    const unknownSource = issuesOf(`version: 1\nservice: s\n${BACKUP.replace('  schedule:', '  rpo: 1d\n  schedule:')}alerts:\n  - { name: b, rpo: uploads }\n`);
    expect(unknownSource.map((i) => i.message)).toEqual(['unknown backup source "uploads" (backup.sources: db, files; or * for every source)']);
  });
});

describe('alert published-value conditions', () => {
  it('refuses a JSON path or a series selector the reader cannot follow, naming the key', () => {
    const plan = (when: string) => `version: 1\nservice: s\nalerts:\n  - { name: a, when: ${when} }\n`;
    const json = issuesOf(plan('{ http: { url: "http://127.0.0.1:8080/stats", json: "$..deep" }, max: 1 }'));
    expect(json.map((i) => [i.path, i.message])).toEqual([['alerts[0].when.http.json', expect.stringContaining('expected a JSON path')]]);
    const series = issuesOf(plan('{ scrape: { url: "http://127.0.0.1:8080/metrics", series: "jobs_total{state=failed}" }, max: 1 }'));
    expect(series.map((i) => i.path)).toEqual(['alerts[0].when.scrape.series']);
    expect(issuesOf(plan('{ scrape: { url: "http://127.0.0.1:8080/metrics", series: "jobs_total{state=\\"failed\\"}" }, max: 1 }'))).toEqual([]);
  });
});
