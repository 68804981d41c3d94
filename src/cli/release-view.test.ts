/** The release view drawn from event sequences as the engine records them (pure: no daemon, no terminal). */
import { describe, expect, it } from 'vitest';
import type { TrafficDocument } from '../api/contract.js';
import type { JsonObject, StoredEvent } from '../store/index.js';
import { LiveReleaseView, PROMOTE_WAIT, eventLine } from './release-view.js';

/** Records events the way the engine's recorder does: steps by position, a clock a second per event. */
class Events {
  readonly list: StoredEvent[] = [];
  #position = 0;

  add(type: string, data: JsonObject): StoredEvent {
    const seq = this.list.length + 1;
    const event: StoredEvent = { seq, id: `e${seq}`, releaseId: 'r1', service: 'shop', at: new Date(Date.UTC(2026, 0, 1, 12, 0, seq)).toISOString(), type, data };
    this.list.push(event);
    return event;
  }

  created(strategy = 'canary'): this {
    this.add('release.created', { version: 'v2', previousVersion: 'v1', strategy, owner: 'alice' });
    return this;
  }

  /** A step begun and, unless `end` is null, ended; returns its position. */
  step(kind: string, detail: JsonObject = {}, end: { status?: string; detail?: JsonObject } | null = {}): number {
    const position = this.#position++;
    this.add('step.started', { position, kind, detail });
    if (end) this.add('step.finished', { position, kind, status: end.status ?? 'succeeded', detail: { ...detail, ...end.detail } });
    return position;
  }

  weight(weights: Record<string, number>): this {
    this.step('weight', { weights }, { detail: { applied: weights } });
    this.add('release.weights', { weights });
    return this;
  }

  status(status: string, reason: string | null = null): this {
    this.add('release.status', { status, reason });
    return this;
  }
}

const traffic = (weights: Record<string, number>): TrafficDocument => ({
  service: 'shop',
  windowMs: 10_000,
  versions: Object.entries(weights).map(([version, weight]) => ({ version, state: 'ready', weight, requests: 100, rps: 10, errorRate: 0, p50: 2, p95: 5, p99: 9 })),
});

function viewOf(events: Events, options = { canarySteps: 4 }): LiveReleaseView {
  const view = new LiveReleaseView(options);
  for (const event of events.list) view.apply(event);
  return view;
}

const trafficLines = (lines: string[]) => lines.filter((line) => /^ {2}(traffic|v\d)/.test(line));

describe('LiveReleaseView', () => {
  it('counts steps as the plan lists them: [weight 20, pause 3s, weight 50, pause {}] shows step 3/4 at weight 50', () => {
    const events = new Events().created();
    events.step('preflight');
    events.step('start', { version: 'v2' });
    events.weight({ v1: 80, v2: 20 });
    events.step('pause', { durationMs: 3000, until: '2026-01-01T12:00:30.000Z' });
    // A person's pause in between is not a step of the plan.
    events.step('pause', { by: 'bob', manual: true });
    events.step('resume', { by: 'bob' });
    events.weight({ v1: 50, v2: 50 });
    const lines = viewOf(events).render();
    expect(lines).toContain('  ✔ step 1/4  weight v1 80%, v2 20%');
    expect(lines).toContain('  ✔ step 2/4  pause 3s');
    expect(lines).toContain('  ✔ paused by bob (glidepath resume goes on)');
    expect(lines).toContain('  ✔ step 3/4  weight v1 50%, v2 50%');
    expect(lines.filter((line) => line.includes('step 4/4'))).toEqual([]);
  });

  it('numbers the lines a log shows the same way', () => {
    const events = new Events().created();
    events.step('start');
    events.weight({ v1: 80, v2: 20 });
    const view = new LiveReleaseView({ canarySteps: 4 });
    const lines = events.list.map((event) => {
      view.apply(event);
      return view.line(event);
    });
    expect(lines).toContain('12:00:04 … step 1/4  weight v1 80%, v2 20%');
    expect(lines).toContain('12:00:05 ✔ step 1/4  weight v1 80%, v2 20% succeeded');
    expect(eventLine(events.list[3]!)).toBe('12:00:04 … weight v1 80%, v2 20%');
  });

  it('does not count a step again that a daemon restart cut short and ran anew', () => {
    const events = new Events().created();
    events.weight({ v1: 80, v2: 20 });
    events.step('pause', { durationMs: 60_000 }, { status: 'aborted', detail: { interrupted: true } });
    events.add('release.resumed', { phase: 'rollout', cursor: 2, paused: false });
    events.step('pause', { durationMs: 60_000 }, null);
    const lines = viewOf(events).render(Date.UTC(2026, 0, 1, 12, 0, 30));
    expect(lines.filter((line) => line.includes('step 2/4'))).toHaveLength(2);
    expect(lines.some((line) => line.includes('step 3/4'))).toBe(false);
  });

  it('shows a pause: {} step as waiting for `glidepath promote`, and says so in the status line', () => {
    const events = new Events().created();
    events.weight({ v1: 80, v2: 20 });
    events.step('pause', { durationMs: 1000 });
    events.weight({ v1: 50, v2: 50 });
    events.step('pause', { until: 'promote' }, null);
    events.status('paused', 'waiting for promote with v2 at weight 50%');
    const lines = viewOf(events).render();
    expect(PROMOTE_WAIT).toBe('waiting for `glidepath promote`');
    expect(lines).toContain('  ⏸ step 4/4  pause — waiting for `glidepath promote`');
    expect(lines.at(-1)).toBe('  status   paused — waiting for `glidepath promote`');
  });

  it('never shows the canary split after a rollback, even when the last traffic poll had it', () => {
    const events = new Events().created();
    events.weight({ v1: 80, v2: 20 });
    const view = viewOf(events);
    view.setTraffic(traffic({ v1: 80, v2: 20 }));
    expect(trafficLines(view.render())[0]).toBe('  traffic  v1 80%  v2 20%');

    const rollback = new Events();
    rollback.list.push(...events.list);
    rollback.step('analysis', { metric: 'errors', decision: 'rollback' }, { status: 'failed' });
    rollback.step('rollback', { reason: 'error_rate 9% > 2%', to: 'v1' }, { detail: { weights: { v1: 100 } } });
    rollback.step('stop', { version: 'v2' });
    rollback.add('release.finished', { status: 'rolled_back', reason: 'error_rate 9% > 2%' });
    for (const event of rollback.list.slice(events.list.length)) view.apply(event);
    const lines = view.render();
    expect(trafficLines(lines)).toEqual(['  traffic  v1 100%']);
    expect(lines.join('\n')).not.toMatch(/v2 +20%|v2 20%/);
    expect(lines).toContain('  ✔ rollback to v1 100%');
    expect(lines.at(-1)).toBe('  status   rolled_back — error_rate 9% > 2%');
  });

  it('never shows the old split after a promotion: shares come from the release, not a poll answered before it', () => {
    const events = new Events().created();
    events.weight({ v1: 80, v2: 20 });
    events.step('promote', { by: 'alice', manual: true, skips: 'remaining weights and pauses' });
    events.step('promote', { weights: { v2: 100 } }, { detail: { applied: { v2: 100 } } });
    events.add('release.weights', { weights: { v2: 100 } });
    const view = viewOf(events);
    view.setTraffic(traffic({ v1: 80, v2: 20 }));
    const running = view.render();
    expect(running).toContain('  ✔ promoted by alice: the remaining steps are skipped');
    expect(trafficLines(running)).toEqual([
      '  traffic  v2 100%',
      expect.stringMatching(/^ {2}v1 +0% /),
      expect.stringMatching(/^ {2}v2 +100% /),
    ]);
    events.step('verify');
    events.add('release.finished', { status: 'succeeded', reason: null });
    for (const event of events.list.slice(-3)) view.apply(event);
    expect(trafficLines(view.render())).toEqual(['  traffic  v2 100%']);
  });

  it('sends traffic back to stable in the view when a release halts without a rollback step', () => {
    const events = new Events().created();
    events.weight({ v1: 80, v2: 20 });
    events.add('release.finished', { status: 'aborted', reason: 'aborted by bob' });
    expect(trafficLines(viewOf(events).render())).toEqual(['  traffic  v1 100%']);
  });

  it('leaves steps unnumbered for strategies without a list of steps', () => {
    const events = new Events().created('bluegreen');
    events.step('pause', { until: 'promote' }, null);
    const lines = viewOf(events).render();
    expect(lines).toContain('  ⏸ pause — waiting for `glidepath promote`');
  });
});
