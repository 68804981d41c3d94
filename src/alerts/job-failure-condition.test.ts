import { describe, expect, it } from 'vitest';
import { consecutiveFailures, sampleJobFailures, type JobRunOutcome } from './job-failure-condition.js';

const run = (status: string, detail = status): JobRunOutcome => ({ status, startedAt: '2026-01-01T00:00:00.000Z', detail });

function deps(history: Record<string, JobRunOutcome[]>) {
  return { jobNames: () => Object.keys(history), recentRuns: (job: string, limit: number) => Promise.resolve((history[job] ?? []).slice(0, limit)) };
}

describe('consecutiveFailures', () => {
  it('counts the newest failed and timed-out runs up to the first success, skipping skipped runs', () => {
    expect(consecutiveFailures([run('failed', 'exit 3'), run('skipped'), run('timed_out'), run('succeeded'), run('failed')])).toEqual({ count: 2, newest: run('failed', 'exit 3') });
    expect(consecutiveFailures([run('succeeded'), run('failed')]).count).toBe(0);
    expect(consecutiveFailures([]).count).toBe(0);
  });
});

describe('sampleJobFailures', () => {
  it('fires when the last run of the named job failed (failures: 1) and not once it succeeds', async () => {
    expect(await sampleJobFailures({ name: 'nightly', failures: 1 }, deps({ nightly: [run('failed', 'exit 1: boom')] }))).toEqual({
      active: true,
      value: 1,
      detail: 'nightly failed 1 time(s) in a row, last: exit 1: boom',
    });
    expect(await sampleJobFailures({ name: 'nightly', failures: 1 }, deps({ nightly: [run('succeeded'), run('failed')] }))).toMatchObject({ active: false, value: 0 });
  });

  it('waits for N consecutive failures', async () => {
    const two = deps({ nightly: [run('failed'), run('failed'), run('succeeded')] });
    expect(await sampleJobFailures({ name: 'nightly', failures: 3 }, two)).toEqual({ active: false, value: 2, detail: 'job nightly: 2 consecutive failure(s) (fires at 3)' });
    const three = deps({ nightly: [run('failed'), run('timed_out'), run('failed')] });
    expect(await sampleJobFailures({ name: 'nightly', failures: 3 }, three)).toMatchObject({ active: true, value: 3 });
  });

  it('a job that never ran does not fire', async () => {
    expect(await sampleJobFailures({ name: 'nightly', failures: 1 }, deps({}))).toMatchObject({ active: false, value: 0 });
  });

  it('`*` fires on any failing job and names each one', async () => {
    const sample = await sampleJobFailures({ name: '*', failures: 1 }, deps({ a: [run('succeeded')], b: [run('failed', 'exit 2')], backup: [run('failed', 'no space')] }));
    expect(sample).toEqual({ active: true, value: 1, detail: 'b failed 1 time(s) in a row, last: exit 2; backup failed 1 time(s) in a row, last: no space' });
    expect(await sampleJobFailures({ name: '*', failures: 1 }, deps({ a: [run('succeeded')] }))).toMatchObject({ active: false, detail: 'any job: 0 consecutive failure(s) (fires at 1)' });
  });
});
