import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../plan/load.js';
import { PlanError, formatPlanIssue } from '../shared/errors.js';
import { attemptPlanJob } from './job-action.js';

const planWith = (jobs: string) => parsePlan(`version: 1\nservice: s\njobs:\n${jobs}`, 'glidepath.yaml', {});
const signal = new AbortController().signal;

describe('a job attempt (real processes, a real HTTP server)', () => {
  const server = createServer((request, response) => {
    response.statusCode = request.url === '/ok' ? 200 : 503;
    response.end(`answered ${request.method ?? ''}`);
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('runs a command: exit code and output tail', async () => {
    const [job] = planWith('  - { name: a, every: 1m, shell: true, run: "echo out; exit 3" }\n').jobs ?? [];
    expect(await attemptPlanJob(job!, tmpdir(), signal)).toMatchObject({ status: 'failed', exitCode: 3, detail: 'exit 3', output: 'out\n' });
  });

  it('stops a command at its timeout', async () => {
    const [job] = planWith('  - { name: a, every: 1m, run: "sleep 30", timeout: 300ms }\n').jobs ?? [];
    const started = Date.now();
    expect(await attemptPlanJob(job!, tmpdir(), signal)).toMatchObject({ status: 'timed_out' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('makes an HTTP call: 2xx succeeds, anything else fails', async () => {
    const [ok, bad] = planWith(`  - { name: a, every: 1m, http: { url: "${base}/ok" } }\n  - { name: b, every: 1m, http: { url: "${base}/down", method: GET } }\n`).jobs ?? [];
    expect(await attemptPlanJob(ok!, tmpdir(), signal)).toMatchObject({ status: 'succeeded', output: 'answered POST' });
    expect(await attemptPlanJob(bad!, tmpdir(), signal)).toMatchObject({ status: 'failed', detail: expect.stringContaining('HTTP 503') });
  });
});

describe('plan jobs are validated', () => {
  const issues = (jobs: string) => {
    try {
      planWith(jobs);
    } catch (error) {
      if (error instanceof PlanError) return error.issues.map(formatPlanIssue);
      throw error;
    }
    return [];
  };

  it('refuses a bad time zone, two schedules, a reserved name and a duplicate name, each at its place', () => {
    expect(issues('  - { name: a, schedule: "0 2 * * *", timezone: Mars/Olympus, run: "true" }\n')).toEqual([expect.stringMatching(/^glidepath.yaml:4:\d+ jobs\[0\]\.timezone: expected a time zone/)]);
    expect(issues('  - { name: a, schedule: "0 2 * * *", every: 1m, run: "true" }\n')).toEqual([expect.stringMatching(/jobs\[0\]: expected a job schedule: only one of schedule, every/)]);
    expect(issues('  - { name: backup, every: 1m, run: "true" }\n')).toEqual([expect.stringMatching(/jobs\[0\]\.name: expected another name/)]);
    expect(issues('  - { name: a, every: 1m, run: "true" }\n  - { name: a, every: 2m, run: "true" }\n')).toEqual([expect.stringMatching(/jobs\[1\]\.name: job "a" is defined twice/)]);
    expect(issues('  - { name: a, every: 1m, run: "true", catchUp: twice }\n')).toHaveLength(1);
  });
});
