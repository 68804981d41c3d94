import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../plan/load.js';
import { openStore, type Store } from '../store/index.js';
import { FakeClock } from '../testing/fake-clock.js';
import { monitorReport } from './monitor-report.js';
import { Monitors, type MonitorChange } from './monitors.js';
import { Scheduler } from '../scheduler/scheduler.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'gp-monitors-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const flag = join(dir, 'up');
  writeFileSync(flag, '');
  const plan = parsePlan(
    `version: 1\nservice: mon\nchecks:\n  flag: { command: { run: "test -f ${flag}" }, interval: 60s, retries: 2, retryInterval: 10s }\n  once: { command: { run: "true" } }\n`,
    'glidepath.yaml',
    {},
  );
  const clock = new FakeClock('2025-03-01T12:00:00.000Z');
  const store: Store = await openStore('sqlite::memory:', { baseDir: dir, now: () => clock.now() });
  cleanups.push(() => store.close());
  const changes: MonitorChange[] = [];
  const errors: unknown[] = [];
  const monitors = new Monitors({
    service: 'mon',
    plan,
    cwd: dir,
    variables: {},
    store,
    scheduler: new Scheduler(clock),
    clock,
    onChange: (change) => changes.push(change),
    onError: (_name, error) => errors.push(error),
  });
  cleanups.push(() => monitors.stop());
  return { flag, clock, store, monitors, changes, errors };
}

/** Advances the fake clock and waits (real time, bounded) until every monitor's beat ended and it sleeps again. */
async function advance(clock: FakeClock, ms: number, loops = 1): Promise<void> {
  await clock.advance(ms);
  for (let i = 0; i < 500 && clock.pendingSleeps < loops; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(clock.pendingSleeps).toBe(loops);
}

describe('Monitors', () => {
  it('runs only checks with an interval: up, then pending on retries at retryInterval, then down, then up again', async () => {
    const { flag, clock, store, monitors, changes, errors } = await setup();
    expect(monitors.definitions.map((d) => d.name)).toEqual(['flag']);
    await monitors.start();
    await advance(clock, 0);
    expect(monitors.status('flag')).toBe('up');
    rmSync(flag);
    await advance(clock, 60_000);
    expect(monitors.status('flag')).toBe('pending');
    await advance(clock, 10_000);
    expect(monitors.status('flag')).toBe('pending');
    await advance(clock, 10_000);
    expect(monitors.status('flag')).toBe('down');
    writeFileSync(flag, '');
    await advance(clock, 30_000);
    expect(monitors.status('flag')).toBe('down'); // down beats at the interval, not the retry interval
    await advance(clock, 30_000);
    expect(monitors.status('flag')).toBe('up');
    expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual(['unknown>up', 'up>pending', 'pending>down', 'down>up']);
    expect(errors).toEqual([]);

    const report = await monitorReport('mon', monitors.definitions, store, clock.now());
    expect(report.monitors).toHaveLength(1);
    expect(report.monitors[0]).toMatchObject({ name: 'flag', status: 'up', intervalMs: 60_000, retryIntervalMs: 10_000, retries: 2 });
    // 5 beats: up, pending, pending, down, up
    expect(report.monitors[0]?.uptime['24h']).toBeCloseTo(2 / 5);
    expect(report.monitors[0]?.uptime['30d']).toBeCloseTo(2 / 5);
    expect(report.changes.map((c) => c.to)).toEqual(['up', 'down', 'pending', 'up']);
  });

  it('goes on from the persisted state after a restart', async () => {
    const { flag, clock, store, monitors } = await setup();
    rmSync(flag);
    await monitors.start();
    for (let i = 0; i < 3; i++) await advance(clock, i === 0 ? 0 : 10_000);
    expect(monitors.status('flag')).toBe('down');
    await monitors.stop();
    expect(existsSync(flag)).toBe(false);
    const again = new Monitors({ service: 'mon', plan: parsePlan(`version: 1\nservice: mon\nchecks:\n  flag: { command: { run: "test -f ${flag}" }, interval: 60s, retries: 2 }\n`, 'glidepath.yaml', {}), cwd: '.', variables: {}, store, scheduler: new Scheduler(clock), clock, onChange: () => undefined, onError: () => undefined });
    cleanups.push(() => again.stop());
    await again.start();
    expect(again.status('flag')).toBe('down');
    await advance(clock, 0);
    expect(again.status('flag')).toBe('down'); // not pending again
  });

  it('follows a new plan: a new monitor beats at once, a changed one goes on from its state, a removed one stops', async () => {
    const { flag, clock, monitors } = await setup();
    await monitors.start();
    await advance(clock, 0);
    rmSync(flag);
    await advance(clock, 60_000);
    expect(monitors.status('flag')).toBe('pending');
    const other = `${flag}-other`;
    writeFileSync(other, '');
    monitors.apply(
      parsePlan(
        `version: 1\nservice: mon\nchecks:\n  flag: { command: { run: "test -f ${flag}" }, interval: 30s, retries: 1 }\n  other: { command: { run: "test -f ${other}" }, interval: 60s }\n`,
        'glidepath.yaml',
        {},
      ),
    );
    await advance(clock, 0, 2);
    expect(monitors.definitions.map((d) => d.name)).toEqual(['flag', 'other']);
    expect(monitors.status('other')).toBe('up');
    // the changed monitor beat again at once, from its pending state: with one retry, its second failure is down
    expect(monitors.status('flag')).toBe('down');
    monitors.apply(parsePlan('version: 1\nservice: mon\nchecks:\n  other: { command: { run: "true" }, interval: 60s }\n', 'glidepath.yaml', {}));
    await advance(clock, 0, 1);
    expect(monitors.definitions.map((d) => d.name)).toEqual(['other']);
  });

  it('spreads the first beats of the monitors it starts together over their interval, so they never beat in one burst', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-monitors-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const checks = Array.from({ length: 4 }, (_, i) => `  m${i}: { command: { run: "true" }, interval: 10s }`).join('\n');
    const plan = parsePlan(`version: 1\nservice: mon\nchecks:\n${checks}\n`, 'glidepath.yaml', {});
    const clock = new FakeClock('2025-03-01T12:00:00.000Z');
    const store: Store = await openStore('sqlite::memory:', { baseDir: dir, now: () => clock.now() });
    cleanups.push(() => store.close());
    const scheduler = new Scheduler(clock);
    const monitors = new Monitors({ service: 'mon', plan, cwd: dir, variables: {}, store, scheduler, clock, onChange: () => undefined, onError: () => undefined });
    cleanups.push(() => monitors.stop());
    await monitors.start();
    const firstBeats = () => ['m0', 'm1', 'm2', 'm3'].map((name) => (scheduler.handles.get(`monitor:${name}`)?.nextRun()?.getTime() ?? 0) - clock.now().getTime());
    expect(firstBeats()).toEqual([0, 2_500, 5_000, 7_500]);
    // Once beating, each keeps its own offset: the next beats are 10 s after each one's first.
    await advance(clock, 0, 4);
    for (let i = 0; i < 3; i++) await advance(clock, 2_500, 4);
    expect(['m0', 'm1', 'm2', 'm3'].map((name) => monitors.status(name))).toEqual(['up', 'up', 'up', 'up']);
    expect(firstBeats()).toEqual([2_500, 5_000, 7_500, 10_000]);
  });

  it('writes beats that end together in one batch when asked to, and what is queued when it stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-monitors-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const clock = new FakeClock('2025-03-01T12:00:00.000Z');
    const store: Store = await openStore('sqlite::memory:', { baseDir: dir, now: () => clock.now() });
    cleanups.push(() => store.close());
    const batches: number[] = [];
    const recordBeats = store.monitors.recordBeats.bind(store.monitors);
    store.monitors.recordBeats = (service, beats) => (batches.push(beats.length), recordBeats(service, beats));
    const none = parsePlan('version: 1\nservice: mon\n', 'glidepath.yaml', {});
    const monitors = new Monitors({ service: 'mon', plan: none, cwd: dir, variables: {}, store, scheduler: new Scheduler(clock), clock, onChange: () => undefined, onError: () => undefined, beatBatchMs: 60_000 });
    await monitors.start();
    const checks = Array.from({ length: 4 }, (_, i) => `  m${i}: { command: { run: "true" }, interval: 10s }`).join('\n');
    monitors.apply(parsePlan(`version: 1\nservice: mon\nchecks:\n${checks}\n`, 'glidepath.yaml', {}));
    await advance(clock, 0, 4);
    expect(batches).toEqual([]);
    expect(['m0', 'm1', 'm2', 'm3'].map((name) => monitors.status(name))).toEqual(['up', 'up', 'up', 'up']);
    await monitors.stop();
    expect(batches).toEqual([4]);
    expect((await store.monitors.states('mon')).map((s) => s.status)).toEqual(['up', 'up', 'up', 'up']);
  });
});
