import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { FakeClock } from '../testing/fake-clock.js';
import type { AttemptOutcome, JobDefinition } from './job-definition.js';
import { JobRunner } from './job-runner.js';

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function setup(start = '2026-01-01T00:00:00Z', store?: Store) {
  const clock = new FakeClock(start);
  const opened = store ?? (await openStore('sqlite::memory:', { baseDir: process.cwd(), now: () => clock.now() }));
  if (!store) stores.push(opened);
  const runner = new JobRunner({ service: 'svc', repository: opened.jobs, clock, secrets: () => ['hunter2-secret'], log: () => undefined });
  return { clock, store: opened, runner };
}

function job(name: string, attempt: (signal: AbortSignal) => Promise<AttemptOutcome>, rest: Partial<JobDefinition> = {}): JobDefinition {
  return { name, kind: 'command', spec: { everyMs: 10_000 }, timeoutMs: 60_000, overlap: false, retry: { retries: 0, backoffMs: 1_000 }, catchUp: 'none', fingerprint: name, attempt, ...rest };
}

const ok: AttemptOutcome = { status: 'succeeded', exitCode: 0, detail: 'exit 0', output: 'token=hunter2-secret done' };

describe('JobRunner', () => {
  it('records runs with secrets masked, and a due run skipped while the last still runs', async () => {
    const { clock, store, runner } = await setup();
    await runner.apply([job('slow', async (signal) => (await clock.sleep(15_000, signal), ok))]);
    await clock.advance(46_000);
    const runs = await store.jobs.history('svc', 'slow', 10);
    // Runs start at 10 s and 30 s and take 15 s; those due at 20 s and 40 s find one still going.
    expect(runs.map((r) => [r.status, r.scheduledAt?.slice(17, 19)]).reverse()).toEqual([['skipped', '20'], ['succeeded', '10'], ['skipped', '40'], ['succeeded', '30']]);
    expect(runs[0]?.output).toBe('token=*** done');
    await runner.stop();
  });

  it('retries with backoff, then records the last outcome and the attempts', async () => {
    const { clock, store, runner } = await setup();
    let calls = 0;
    await runner.apply([job('flaky', async () => (++calls < 3 ? { ...ok, status: 'failed', exitCode: 1, detail: 'exit 1' } : ok), { retry: { retries: 3, backoffMs: 1_000 } })]);
    await clock.advance(15_000);
    const [run] = await store.jobs.history('svc', 'flaky', 1);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 3, durationMs: 3_000 });
    await runner.stop();
  });

  it('times a run out at its timeout', async () => {
    const { clock, store, runner } = await setup();
    await runner.apply([job('hang', (signal) => clock.sleep(60_000, signal).then(() => ok, () => ({ ...ok, status: 'failed', detail: 'aborted' })), { timeoutMs: 2_000 })]);
    await clock.advance(13_000);
    const [run] = await store.jobs.history('svc', 'hang', 1);
    expect(run).toMatchObject({ status: 'timed_out', durationMs: 2_000 });
    await runner.stop();
  });

  it('disabled jobs do not run, and the stop holds for a new runner (a restarted daemon)', async () => {
    const { clock, store, runner } = await setup();
    let calls = 0;
    const counted = () => job('count', async () => (calls++, ok));
    await runner.apply([counted()]);
    await runner.setDisabled('count', true, 'ops');
    await clock.advance(30_000);
    expect(calls).toBe(0);
    await runner.stop();
    const again = await setup('2026-01-01T00:01:00Z', store);
    await again.runner.apply([counted()]);
    await again.clock.advance(30_000);
    expect(calls).toBe(0);
    expect((await again.runner.list())[0]).toMatchObject({ name: 'count', disabled: true });
    await again.runner.setDisabled('count', false, 'ops');
    await again.clock.advance(10_000);
    expect(calls).toBe(1);
    await again.runner.stop();
  });

  it('catchUp once runs a job missed while the daemon was down, once; none does not', async () => {
    const { clock, store, runner } = await setup('2026-01-01T01:59:00Z');
    const daily = { cron: '0 2 * * *', timezone: 'Europe/Berlin' };
    await runner.apply([job('once', async () => ok, { spec: daily, catchUp: 'once' }), job('none', async () => ok, { spec: daily })]);
    await clock.advance(60_000 * 60 * 24); // both run at 01:00Z (02:00 in Berlin)
    await runner.stop();
    // The daemon is down for three days.
    const later = await setup('2026-01-05T12:00:00Z', store);
    await later.runner.apply([job('once', async () => ok, { spec: daily, catchUp: 'once' }), job('none', async () => ok, { spec: daily })]);
    await later.clock.runUntilIdle();
    const once = await store.jobs.history('svc', 'once', 10);
    expect(once.map((r) => [r.trigger, r.scheduledAt])).toEqual([['catch-up', '2026-01-05T01:00:00.000Z'], ['schedule', '2026-01-02T01:00:00.000Z']]);
    expect(await store.jobs.history('svc', 'none', 10)).toHaveLength(1);
    await later.runner.stop();
  });

  it('keeps the history bounded', async () => {
    const { store } = await setup();
    for (let i = 0; i < 8; i++) {
      await store.jobs.record('svc', { job: 'j', trigger: 'manual', status: 'succeeded', scheduledAt: null, startedAt: new Date(i).toISOString(), finishedAt: null, durationMs: 1, attempts: 1, exitCode: 0, detail: String(i), output: '' }, 5);
    }
    expect((await store.jobs.history('svc', 'j', 50)).map((r) => r.detail)).toEqual(['7', '6', '5', '4', '3']);
  });
});
