import { afterEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../plan/load.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { openStore, type Store } from '../store/index.js';
import { FakeClock } from '../testing/fake-clock.js';
import type { AlertNotification, AlertTransition } from './alert-sink.js';
import { AlertRules } from './alert-rules.js';
import type { AlertSample } from './alert-state.js';

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function setup(yaml: string) {
  const plan = parsePlan(`version: 1\nservice: s\nchecks:\n  h: { tcp: { port: 80 } }\nalerts:\n${yaml}`, 'glidepath.yaml', {});
  const clock = new FakeClock('2025-01-01T00:00:00.000Z');
  const store = await openStore('sqlite::memory:', { baseDir: '.', now: () => clock.now() });
  stores.push(store);
  let sample: AlertSample = { active: false, value: 0, detail: 'fine' };
  const transitions: AlertTransition[] = [];
  const notifications: AlertNotification[] = [];
  const actions: string[] = [];
  const make = () =>
    new AlertRules({
      service: 's',
      rules: plan.alerts,
      store,
      scheduler: new Scheduler(clock),
      clock,
      sample: () => Promise.resolve(sample),
      sink: {
        stateChanged: (t) => Promise.resolve(void transitions.push(t)),
        notify: (n) => Promise.resolve(void notifications.push(n)),
        acted: (rule, action, outcome) => Promise.resolve(void actions.push(`${action}:${outcome.detail}`)),
      },
      actions: { rollback: (reason) => Promise.resolve(`rolled back (${reason})`), run: () => Promise.resolve({ ok: true, detail: 'ran' }) },
      onError: (_rule, error) => {
        throw error;
      },
    });
  return { clock, store, make, transitions, notifications, actions, set: (next: AlertSample) => (sample = next) };
}

describe('AlertRules', () => {
  it('goes pending, fires after `for`, notifies once, rolls back once, resolves; the state is persisted', async () => {
    const t = await setup('  - { name: down, check: h, for: 30s, interval: 10s, severity: critical, do: rollback, labels: { team: "ops-{{ $labels.severity }}" } }\n');
    const rules = t.make();
    await rules.start();
    await t.clock.advance(0);
    t.set({ active: true, value: 1, detail: 'check h is down' });
    await t.clock.advance(10_000);
    expect((await rules.list())[0]?.state).toBe('pending');
    await t.clock.advance(30_000);
    expect((await rules.list())[0]).toMatchObject({ state: 'firing', labels: { alertname: 'down', severity: 'critical', service: 's', team: 'ops-critical' } });
    await t.clock.advance(30_000);
    expect(t.notifications.map((n) => n.status)).toEqual(['firing']);
    expect(t.actions).toEqual(['rollback:rolled back (alert down fired: check h is down)']);
    rules.stop();

    // a new evaluator (a restarted daemon) goes on firing from the store
    const again = t.make();
    await again.start();
    expect((await again.list())[0]?.state).toBe('firing');
    t.set({ active: false, value: 0, detail: 'check h is up' });
    await t.clock.advance(0);
    expect((await again.list())[0]?.state).toBe('resolved');
    again.stop();
    expect(t.transitions.map((x) => `${x.from}>${x.to}`)).toEqual(['inactive>pending', 'pending>firing', 'firing>resolved']);
    expect(t.notifications.map((n) => n.status)).toEqual(['firing', 'resolved']);
    expect(t.actions).toHaveLength(1);
    expect((await t.store.alerts.history('s')).map((h) => h.to)).toEqual(['resolved', 'firing', 'pending']);
  });

  it('writes a rule memory to the store when what a restart needs changed, not at every evaluation', async () => {
    const t = await setup('  - { name: down, check: h, for: 30s, interval: 10s, severity: critical }\n');
    const saved: string[] = [];
    const save = t.store.alerts.save.bind(t.store.alerts);
    t.store.alerts.save = (service, rule, memory, change) => (saved.push(memory.state), save(service, rule, memory, change));
    const rules = t.make();
    await rules.start();
    await t.clock.advance(0);
    for (let i = 0; i < 5; i++) {
      t.set({ active: false, value: 0, detail: `fine after ${i} s` });
      await t.clock.advance(10_000);
    }
    expect(saved).toEqual(['inactive']);
    expect((await rules.list())[0]).toMatchObject({ state: 'inactive', detail: 'fine after 4 s' });
    t.set({ active: true, value: 1, detail: 'check h is down' });
    await t.clock.advance(10_000);
    await t.clock.advance(10_000);
    expect(saved).toEqual(['inactive', 'pending', 'pending']);
    rules.stop();
  });

  it('spreads the first evaluations of the rules it starts with over their interval', async () => {
    const t = await setup('  - { name: a, check: h, interval: 10s, severity: critical }\n  - { name: b, check: h, interval: 10s, severity: critical }\n');
    t.set({ active: true, value: 1, detail: 'check h is down' });
    const rules = t.make();
    await rules.start();
    await t.clock.advance(0);
    expect((await rules.list()).map((r) => r.state)).toEqual(['firing', 'inactive']);
    await t.clock.advance(5_000);
    expect((await rules.list()).map((r) => r.state)).toEqual(['firing', 'firing']);
    rules.stop();
  });
});
