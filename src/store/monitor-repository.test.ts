import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './index.js';
import { MONITOR_CHANGES_KEPT, MONITOR_UPTIME_HOURS_KEPT, type MonitorBeat } from './monitor-repository.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function store(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'gp-monitor-repo-'));
  const opened = await openStore('sqlite::memory:', { baseDir: dir });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => opened.close());
  return opened;
}

/** A beat of monitor `name` at `at` that flips between up and down each time. */
function flip(name: string, at: Date, i: number): MonitorBeat {
  const status = i % 2 === 0 ? 'down' : 'up';
  const checkedAt = at.toISOString();
  return { state: { name, status, failures: 0, since: checkedAt, checkedAt, detail: `beat ${i}`, durationMs: 1 }, change: { from: status === 'up' ? 'down' : 'up' }, up: status === 'up' };
}

describe('MonitorRepository', () => {
  it('keeps a bounded history of state changes per monitor, the newest ones, also when beats come in batches', async () => {
    const s = await store();
    const start = Date.parse('2025-03-01T00:00:00.000Z');
    const beats = Array.from({ length: MONITOR_CHANGES_KEPT + 30 }, (_, i) => flip('web', new Date(start + i * 1000), i));
    for (let i = 0; i < beats.length; i += 20) await s.monitors.recordBeats('svc', beats.slice(i, i + 20));
    await s.monitors.recordBeat('svc', flip('db', new Date(start), 0).state, { from: 'up' }, false);
    const web = await s.monitors.changes('svc', { name: 'web', limit: 10_000 });
    expect(web).toHaveLength(MONITOR_CHANGES_KEPT);
    expect(web[0]?.detail).toBe(`beat ${beats.length - 1}`);
    expect(web.at(-1)?.detail).toBe(`beat ${beats.length - MONITOR_CHANGES_KEPT}`);
    expect(await s.monitors.changes('svc', { name: 'db' })).toHaveLength(1);
    expect((await s.monitors.states('svc')).map((m) => [m.name, m.status])).toEqual([['db', 'down'], ['web', 'up']]);
  });

  it('writes a batch with several beats of a monitor: every beat counted in its hour, the last state kept', async () => {
    const s = await store();
    const at = (minute: number) => new Date(Date.parse('2025-03-01T12:00:00.000Z') + minute * 60_000);
    const beat = (name: string, minute: number, up: boolean): MonitorBeat => {
      const checkedAt = at(minute).toISOString();
      return { state: { name, status: up ? 'up' : 'down', failures: up ? 0 : 1, since: checkedAt, checkedAt, detail: `${name} at ${minute}`, durationMs: 2.4 }, change: undefined, up };
    };
    // 12:50–13:10 in one batch, then one more beat of 13:xx in the next: counts add up across batches.
    await s.monitors.recordBeats('svc', [beat('web', 50, true), beat('db', 50, true), beat('web', 55, false), beat('web', 65, true), beat('web', 70, true), beat('db', 55, false)]);
    await s.monitors.recordBeats('svc', [beat('web', 75, false)]);
    expect(await s.monitors.uptimeSince('svc', at(0))).toEqual(new Map([['db', { up: 1, total: 2 }], ['web', { up: 3, total: 5 }]]));
    expect(await s.monitors.uptimeSince('svc', at(60))).toEqual(new Map([['web', { up: 2, total: 3 }]]));
    expect((await s.monitors.states('svc')).map((m) => [m.name, m.status, m.detail, m.durationMs])).toEqual([['db', 'down', 'db at 55', 2], ['web', 'down', 'web at 75', 2]]);
  });

  it('drops uptime hours older than the longest window when pruned', async () => {
    const s = await store();
    const now = new Date('2025-03-01T12:30:00.000Z');
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
    await s.monitors.recordBeats('svc', [0, 24, MONITOR_UPTIME_HOURS_KEPT - 1, MONITOR_UPTIME_HOURS_KEPT + 1, MONITOR_UPTIME_HOURS_KEPT + 48].map((h, i) => ({ ...flip('web', hoursAgo(h), i), change: undefined })));
    const everything = new Date(0);
    expect((await s.monitors.uptimeSince('svc', everything)).get('web')?.total).toBe(5);
    await s.monitors.pruneUptime(now);
    expect((await s.monitors.uptimeSince('svc', everything)).get('web')).toEqual({ up: 1, total: 3 });
  });
});
