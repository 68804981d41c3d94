import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseDocument } from '../api/contract.js';
import { parsePlan } from '../plan/load.js';
import { systemClock } from '../shared/clock.js';
import { LockHeldError } from '../shared/errors.js';
import { type NewEvent, openStore, type Store, type StoredEvent } from '../store/index.js';
import { FakeClock } from '../testing/fake-clock.js';
import { TestTarget } from '../testing/test-target.js';
import { ReleaseEngine, type ReleaseEngineDeps } from './release-engine.js';
import type { ReleaseResult } from './release-result.js';
import { readState } from './release-state.js';

const TARGET = 'target: { type: process, listen: "127.0.0.1:18080", start: "node app.js --port {port}", drain: 2s, instances: 4 }';
const CHECKS = 'checks:\n  health: { http: { url: "{url}/health", status: 200 } }';
const ANALYSIS = `analysis:
  interval: 5s
  minRequests: 20
  metrics:
    - { name: errors, metric: error_rate, max: 0.01 }
    - { name: latency, metric: p95, max: 300ms }`;
const CANARY = `strategy:
  canary:
    steps:
      - weight: 10
      - pause: 30s
      - weight: 50
      - pause: 30s`;

/** A plan from sections; each section is YAML text. */
const planText = (...sections: string[]) => ['version: 1', 'service: shop', TARGET, CHECKS, ...sections].join('\n');

/** A store, a fake clock, a test target and engines over them, like a daemon that can be restarted. */
class Harness {
  readonly clock = new FakeClock();
  readonly events: StoredEvent[] = [];
  readonly engines: ReleaseEngine[] = [];
  store!: Store;
  target!: TestTarget;
  dir = '';

  static async create(): Promise<Harness> {
    const h = new Harness();
    h.dir = await mkdtemp(join(tmpdir(), 'glidepath-engine-'));
    h.store = await openStore('sqlite:state.db', { baseDir: h.dir, now: () => h.clock.now() });
    h.target = await TestTarget.create();
    h.target.rps = 200;
    return h;
  }

  engine(text: string, extra: Partial<ReleaseEngineDeps> = {}): ReleaseEngine {
    const engine = new ReleaseEngine({
      plan: parsePlan(text, 'glidepath.yaml', {}),
      planDir: this.dir,
      store: this.store,
      events: {
        record: async (event: NewEvent) => {
          const stored = await this.store.events.append(event);
          this.events.push(stored);
          return stored;
        },
      },
      target: this.target,
      clock: this.clock,
      ...extra,
    });
    this.engines.push(engine);
    return engine;
  }

  /** Advances fake time in steps until the promise settles, letting real I/O (checks over loopback) happen between. */
  async drive<T>(promise: Promise<T>, stepMs = 1000, maxMs = 30 * 60_000): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let elapsed = 0; elapsed < maxMs && !settled; elapsed += stepMs) {
      await this.clock.advance(stepMs);
      for (let i = 0; i < 20 && !settled; i++) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    if (!settled) throw new Error(`not settled after ${maxMs} ms of fake time`);
    return promise;
  }

  /** Advances fake time until the release has the status (or the condition holds). */
  async until(check: () => Promise<boolean> | boolean, stepMs = 1000, maxMs = 30 * 60_000): Promise<void> {
    for (let elapsed = 0; elapsed < maxMs; elapsed += stepMs) {
      if (await check()) return;
      await this.clock.advance(stepMs);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    throw new Error('condition not reached');
  }

  status = async (id: string) => (await this.store.releases.get(id))?.status;

  async close(): Promise<void> {
    for (const engine of this.engines) await engine.close();
    await this.target.close();
    await this.store.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

let h: Harness;
afterEach(async () => {
  await h.close();
});

const kinds = (result: ReleaseResult) => result.steps.map((step) => `${step.kind}:${step.status}`);
const deploy = (engine: ReleaseEngine, version: string, owner = 'alice') => h.drive(engine.deploy(version, { owner, yes: true }));

/** A service with v1 released and serving all traffic. */
async function withStable(text: string): Promise<ReleaseEngine> {
  h = await Harness.create();
  const engine = h.engine(text);
  const first = await deploy(engine, 'v1');
  expect(first.status).toBe('succeeded');
  h.target.weightChanges.length = 0;
  return engine;
}

describe('ReleaseEngine: first release and canary', () => {
  it('starts the first release, routes all traffic to it, then verifies it', async () => {
    h = await Harness.create();
    const result = await deploy(h.engine(planText(CANARY, ANALYSIS, 'verify:\n  - check: health')), 'v1');
    const document: ReleaseDocument = result;
    expect(document.status).toBe('succeeded');
    expect(result).toMatchObject({ service: 'shop', version: 'v1', previousVersion: null, strategy: 'canary', reason: 'first release: v1 serves all traffic' });
    expect(kinds(result)).toEqual(['preflight:skipped', 'backup:skipped', 'migrate:skipped', 'start:succeeded', 'promote:succeeded', 'verify:succeeded']);
    expect(h.target.weightChanges).toEqual([{ v1: 100 }]);
    expect(result.analysis).toEqual([]);
    expect(result.finishedAt).not.toBeNull();
    expect(await h.store.locks.get('release:shop')).toBeUndefined();
  });

  it('a first release is routed before verify, so a verify through the public address reaches it', async () => {
    h = await Harness.create();
    const verify = `verify:\n  - http: { url: "${h.target.serviceUrl}/health", status: 200 }\n  - http: { url: "{service_url}/", status: 200 }`;
    const result = await deploy(h.engine(planText(CANARY, verify)), 'v1');
    expect(result.status, result.reason ?? '').toBe('succeeded');
    expect(result.steps.find((s) => s.kind === 'verify')?.detail.items).toMatchObject([{ status: 'pass' }, { status: 'pass' }]);
    expect(h.target.weightChanges).toEqual([{ v1: 100 }]);
  });

  it('a first release that fails verify through the public address stops being routed and fails: the service answers 503 as before', async () => {
    h = await Harness.create();
    h.target.script('v1', { status: 500 });
    const result = await deploy(h.engine(planText(CANARY, 'verify:\n  - http: { url: "{service_url}/", status: 200 }')), 'v1');
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/^verify http failed: .*500/);
    expect(kinds(result).slice(3)).toEqual(['start:succeeded', 'promote:succeeded', 'verify:failed', 'rollback:succeeded', 'stop:succeeded']);
    expect(h.target.weightChanges).toEqual([{ v1: 100 }, {}]);
    expect((await fetch(h.target.serviceUrl)).status).toBe(503);
    expect(h.target.versions()).toEqual([]);
  });

  it('promotes a good canary through every step, with analysis passing all the way', async () => {
    const engine = await withStable(planText(CANARY, ANALYSIS, 'verify:\n  - check: health'));
    const started = h.clock.now().getTime();
    const result = await deploy(engine, 'v2');
    expect(result.status).toBe('succeeded');
    expect(result.reason).toBe('v2 serves all traffic; v1 stopped');
    expect(result.previousVersion).toBe('v1');
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }, { v2: 50, v1: 50 }, { v2: 100 }]);
    expect(kinds(result).filter((k) => !k.startsWith('analysis'))).toEqual([
      'preflight:skipped',
      'backup:skipped',
      'migrate:skipped',
      'start:succeeded',
      'weight:succeeded',
      'pause:succeeded',
      'weight:succeeded',
      'pause:succeeded',
      'promote:succeeded',
      'verify:succeeded',
      'stop:succeeded',
    ]);
    expect(h.clock.now().getTime() - started).toBeGreaterThanOrEqual(60_000);
    expect(result.analysis.length).toBeGreaterThanOrEqual(2 * 10);
    expect(result.analysis.every((m) => m.verdict === 'pass')).toBe(true);
    expect(result.analysis[0]?.reason).toBe('error_rate 0 ≤ max 0.01 over 100 requests at weight 10%');
    expect(result.analysis.some((m) => m.reason.endsWith('at weight 50%'))).toBe(true);
    expect(h.target.stopCalls).toEqual([{ version: 'v1', drainMs: 2000 }]);
    expect(h.target.versions().map((v) => v.version)).toEqual(['v2']);
    const types = h.events.filter((e) => e.releaseId === result.id).map((e) => e.type);
    expect(types[0]).toBe('release.created');
    expect(types.at(-1)).toBe('release.finished');
    expect(types).toContain('analysis.measurement');
    expect(h.clock.pendingSleeps).toBe(0);
  });

  it('rolls back a canary with 5% errors, with the failing measurement as the reason, right when it is measured', async () => {
    const engine = await withStable(planText(CANARY, ANALYSIS));
    h.target.script('v2', { errorRate: 0.05 });
    const result = await deploy(engine, 'v2');
    expect(result.status).toBe('rolled_back');
    expect(result.reason).toBe('error_rate 0.05 > max 0.01 over 100 requests at weight 10%');
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }, { v1: 100 }]);
    expect(h.target.stopCalls).toEqual([{ version: 'v2', drainMs: 2000 }]);
    expect(h.target.versions().map((v) => v.version)).toEqual(['v1']);
    const failing = result.analysis.find((m) => m.verdict === 'fail');
    expect(failing).toMatchObject({ metric: 'errors', value: 0.05, threshold: 0.01, samples: 100 });
    const rollback = result.steps.find((s) => s.kind === 'rollback');
    expect(rollback).toMatchObject({ status: 'succeeded', detail: { weights: { v1: 100 }, reason: result.reason } });
    expect(Date.parse(rollback?.startedAt ?? '') - Date.parse(failing?.at ?? '')).toBeLessThanOrEqual(1000);
    const decision = result.steps.find((s) => s.kind === 'analysis' && s.detail.decision === 'rollback');
    expect(decision?.detail).toMatchObject({ metric: 'errors', status: 'fail', reason: result.reason });
  });

  it('rolls back a canary whose p95 is 300 ms worse', async () => {
    const engine = await withStable(planText(CANARY, ANALYSIS));
    h.target.script('v2', { p95: 350 });
    const result = await deploy(engine, 'v2');
    expect(result.status).toBe('rolled_back');
    expect(result.reason).toBe('p95 350ms > max 300ms over 100 requests at weight 10%');
    expect(h.target.weightChanges.at(-1)).toEqual({ v1: 100 });
  });

  it('allows deploying a version that was rolled back before', async () => {
    const engine = await withStable(planText(CANARY, ANALYSIS));
    h.target.script('v2', { errorRate: 0.05 });
    expect((await deploy(engine, 'v2')).status).toBe('rolled_back');
    h.target.script('v2', { errorRate: 0 });
    const again = await deploy(engine, 'v2');
    expect(again.status).toBe('succeeded');
    expect(again.previousVersion).toBe('v1');
  });

  it('fails on preflight without touching anything', async () => {
    h = await Harness.create();
    const engine = h.engine(planText(CANARY, 'preflight:\n  - run: node -e "process.exit(3)"'));
    const result = await deploy(engine, 'v1');
    expect(result.status).toBe('failed');
    expect(result.reason).toBe('preflight failed: node -e "process.exit(3)": exit 3');
    expect(kinds(result)).toEqual(['preflight:failed']);
    expect(h.target.startCalls).toEqual([]);
    expect(h.target.weightChanges).toEqual([]);
    expect(await h.store.locks.get('release:shop')).toBeUndefined();
  });

  it('fails when a preflight confirmation is not given', async () => {
    h = await Harness.create();
    const engine = h.engine(planText('preflight:\n  - confirm: SSL certificate renewed'));
    const result = await h.drive(engine.deploy('v1', { owner: 'alice', yes: false }));
    expect(result.status).toBe('failed');
    expect(result.reason).toBe('preflight failed: SSL certificate renewed: needs a confirmation: answer yes on a terminal, or pass --yes in scripts');
  });

  it('fails when the new version does not start, with the target\'s reason', async () => {
    const engine = await withStable(planText(CANARY, ANALYSIS));
    h.target.script('v2', { startFails: 'exited with code 1 before it was ready' });
    const result = await deploy(engine, 'v2');
    expect(result.status).toBe('failed');
    expect(result.reason).toBe('v2 did not start: exited with code 1 before it was ready');
    expect(h.target.weightChanges).toEqual([]);
    expect(h.target.versions().find((v) => v.version === 'v1')?.weight).toBe(100);
  });

  it('rolls back when verify fails after promotion', async () => {
    const engine = await withStable(planText(CANARY, ANALYSIS, 'verify:\n  - check: health'));
    h.target.script('v2', { status: 500 });
    const result = await deploy(engine, 'v2');
    expect(result.status).toBe('rolled_back');
    expect(result.reason).toMatch(/^verify health failed: .*500/);
    expect(h.target.weightChanges.at(-2)).toEqual({ v2: 100 });
    expect(h.target.weightChanges.at(-1)).toEqual({ v1: 100 });
    expect(result.steps.find((s) => s.kind === 'verify')?.status).toBe('failed');
  });

  it('refuses a second release while one runs, naming the running one, its runner and when its lease lapses', async () => {
    h = await Harness.create();
    const engine = h.engine(planText('strategy:\n  canary:\n    steps:\n      - weight: 20\n      - pause: {}'), { runner: { kind: 'daemon', host: 'box-a', pid: 4242, id: '0a1b2c3d' } });
    expect((await deploy(engine, 'v1')).status).toBe('succeeded');
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    await h.until(async () => (await h.status(started.releaseId)) === 'paused');
    await expect(engine.start('v3', { owner: 'bob', yes: true })).rejects.toThrow(LockHeldError);
    const other = h.engine(planText(CANARY));
    const refused = await other.start('v3', { owner: 'bob', yes: true }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LockHeldError);
    const lease = await h.store.locks.get('release:shop');
    expect((refused as Error).message).toBe(
      `release ${started.releaseId} of shop is running (v2, paused); the daemon on box-a (pid 4242, id 0a1b2c3d) holds its lease until ${lease?.expiresAt ?? '?'} ` +
        'and renews it while it runs; once the lease lapses the next runner takes the release over; wait for it or abort it',
    );
    await engine.abort('alice');
    expect((await h.drive(started.finished)).status).toBe('aborted');
    expect((await deploy(other, 'v3')).status).toBe('succeeded');
  });

  it('an abort during preflight ends the release before the new version starts', async () => {
    h = await Harness.create();
    const engine = h.engine(planText('preflight:\n  - run: node -e "setTimeout(() => {}, 300)"'));
    const started = await engine.start('v1', { owner: 'alice', yes: true });
    await engine.abort('erin');
    const result = await h.drive(started.finished);
    expect(result.status).toBe('aborted');
    expect(result.reason).toBe('aborted by erin before v1 was started');
    expect(h.target.startCalls).toEqual([]);
  });

  it('runs the backup and migrate hooks when the plan asks for them', async () => {
    h = await Harness.create();
    const calls: string[] = [];
    const engine = h.engine(
      planText('backup:\n  sources: [{ name: db, files: { path: ./data } }]\n  store: { dir: ./backups }\n  before: [migrate]', 'migrations:\n  url: sqlite:app.db'),
      {
        hooks: {
          backup: async (context) => (calls.push(`backup ${context.version}`), { ok: true, detail: 'db.tar 12 KiB', evidence: { sha256: 'abc' } }),
          migrate: async () => (calls.push('migrate'), { ok: false, detail: '002_add_index.sql: syntax error' }),
        },
      },
    );
    const result = await deploy(engine, 'v1');
    expect(calls).toEqual(['backup v1', 'migrate']);
    expect(result.status).toBe('failed');
    expect(result.reason).toBe('migrate failed: 002_add_index.sql: syntax error');
    expect(result.steps[1]).toMatchObject({ kind: 'backup', status: 'succeeded', detail: { detail: 'db.tar 12 KiB', sha256: 'abc' } });
    expect(h.target.startCalls).toEqual([]);
  });
});

describe('ReleaseEngine: steering', () => {
  const PAUSE_ON_FAILURE = ANALYSIS.replace('minRequests: 20', 'minRequests: 20\n  onFailure: pause');

  it('onFailure: pause holds traffic where it is and waits; resume goes on with fresh analysis', async () => {
    const engine = await withStable(planText(CANARY, PAUSE_ON_FAILURE));
    h.target.script('v2', { errorRate: 0.05 });
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    await h.until(async () => (await h.status(started.releaseId)) === 'paused');
    const paused = await h.store.releases.get(started.releaseId);
    expect(paused?.reason).toBe('error_rate 0.05 > max 0.01 over 100 requests at weight 10%');
    await h.clock.advance(10 * 60_000);
    expect(await h.status(started.releaseId)).toBe('paused');
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }]);
    await expect(engine.pause('bob')).rejects.toThrow('is already paused');
    h.target.script('v2', { errorRate: 0 });
    await engine.resume('bob');
    const result = await h.drive(started.finished);
    expect(result.status).toBe('succeeded');
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }, { v2: 50, v1: 50 }, { v2: 100 }]);
    const decision = result.steps.find((s) => s.kind === 'analysis' && s.detail.decision === 'pause');
    expect(decision?.detail.reason).toBe('error_rate 0.05 > max 0.01 over 100 requests at weight 10%');
    expect(result.steps.find((s) => s.kind === 'resume')?.detail).toEqual({ by: 'bob' });
  });

  it('onFailure: pause, then abort rolls back and ends aborted', async () => {
    const engine = await withStable(planText(CANARY, PAUSE_ON_FAILURE));
    h.target.script('v2', { errorRate: 0.05 });
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    await h.until(async () => (await h.status(started.releaseId)) === 'paused');
    await engine.abort('carol');
    const result = await h.drive(started.finished);
    expect(result.status).toBe('aborted');
    expect(result.reason).toBe('aborted by carol');
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }, { v1: 100 }]);
    expect(result.steps.find((s) => s.kind === 'abort')?.detail).toEqual({ by: 'carol' });
    await expect(engine.abort('carol')).rejects.toThrow('no release of shop is running');
  });

  it('pause {} waits for promote, which skips the remaining steps', async () => {
    const engine = await withStable(planText('strategy:\n  canary:\n    steps:\n      - weight: 20\n      - pause: {}\n      - weight: 60\n      - pause: 2m', ANALYSIS));
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    await h.until(async () => (await h.status(started.releaseId)) === 'paused');
    expect((await h.store.releases.get(started.releaseId))?.reason).toBe('waiting for promote with v2 at weight 20%');
    await h.clock.advance(30 * 60_000);
    expect(await h.status(started.releaseId)).toBe('paused');
    await engine.resume('x');
    await expect(engine.resume('x')).rejects.toThrow('is not paused');
    const result = await h.drive(started.finished);
    expect(result.status).toBe('succeeded');
    expect(h.target.weightChanges).toEqual([{ v2: 20, v1: 80 }, { v2: 60, v1: 40 }, { v2: 100 }]);
  });

  it('promote during pause {} goes straight to 100%', async () => {
    const engine = await withStable(planText('strategy:\n  canary:\n    steps:\n      - weight: 20\n      - pause: {}\n      - weight: 60\n      - pause: 2m', ANALYSIS));
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    await h.until(async () => (await h.status(started.releaseId)) === 'paused');
    await engine.promote('bob');
    const result = await h.drive(started.finished);
    expect(result.status).toBe('succeeded');
    expect(h.target.weightChanges).toEqual([{ v2: 20, v1: 80 }, { v2: 100 }]);
    expect(result.steps.find((s) => s.kind === 'promote' && s.detail.manual)?.detail).toMatchObject({ by: 'bob' });
  });

  it('promoteEarly: analysis promotes once the comparison shows the canary within tolerance, skipping the remaining steps', async () => {
    const same = () => {
      let requests = 0;
      return () => ((requests += 400), { requests, errors: 0, latency: { upperBoundsMs: [4, 5, Infinity], cumulative: [0, requests, requests] } });
    };
    const plan = `analysis:\n  interval: 5s\n  minRequests: 20\n  metrics:\n    - { name: vs-stable, compare: latency, tolerance: 1, promoteEarly: true }`;
    const engine = await withStable(planText(CANARY, plan));
    h.target.script('v1', { counters: same() }).script('v2', { counters: same() });
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    const result = await h.drive(started.finished);
    expect(result.status).toBe('succeeded');
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }, { v2: 100 }]);
    const promote = result.steps.find((s) => s.kind === 'promote' && s.detail.early === true);
    expect(promote?.detail).toMatchObject({ by: 'analysis' });
    expect(String(promote?.detail.reason)).toMatch(/^vs-stable: p95 latency .* canary ≤ 5 ms ≤ stable ≥ 4 ms × 2 at 99% confidence/);
  });

  it('promoteEarly does not lift a pause {} that waits for a person', async () => {
    const same = () => {
      let requests = 0;
      return () => ((requests += 400), { requests, errors: 0, latency: { upperBoundsMs: [4, 5, Infinity], cumulative: [0, requests, requests] } });
    };
    const plan = `analysis:\n  interval: 5s\n  minRequests: 20\n  metrics:\n    - { name: vs-stable, compare: latency, tolerance: 1, promoteEarly: true }`;
    const engine = await withStable(planText('strategy:\n  canary:\n    steps:\n      - weight: 20\n      - pause: {}', plan));
    h.target.script('v1', { counters: same() }).script('v2', { counters: same() });
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    await h.until(async () => (await h.status(started.releaseId)) === 'paused');
    await h.clock.advance(60_000);
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await h.status(started.releaseId)).toBe('paused');
    await engine.promote('bob');
    const result = await h.drive(started.finished);
    expect(result.status).toBe('succeeded');
  });

  it('a manual pause stops the clock of a timed pause; abort during a timed pause rolls back', async () => {
    const engine = await withStable(planText(CANARY, ANALYSIS));
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    await h.until(() => h.target.weightChanges.length === 1);
    await expect(engine.resume('dave')).rejects.toThrow(`release ${started.releaseId} is not paused`);
    await engine.pause('dave');
    await h.until(async () => (await h.status(started.releaseId)) === 'paused');
    await h.clock.advance(5 * 60_000);
    expect(h.target.weightChanges).toHaveLength(1);
    await engine.abort('dave');
    const result = await h.drive(started.finished);
    expect(result.status).toBe('aborted');
    expect(result.reason).toBe('aborted by dave');
    expect(h.target.weightChanges.at(-1)).toEqual({ v1: 100 });
  });

  it('onInconclusive: rollback rolls back when the canary gets too little traffic to judge', async () => {
    const text = planText(CANARY, ANALYSIS.replace('minRequests: 20', 'minRequests: 500\n  onInconclusive: rollback'));
    const engine = await withStable(text);
    const result = await deploy(engine, 'v2');
    expect(result.status).toBe('rolled_back');
    expect(result.reason).toBe(
      'errors: 4 inconclusive measurements > inconclusiveLimit 3; last: error_rate 0 over only 100 requests (minRequests 500) at weight 10%: inconclusive',
    );
  });
});

describe('ReleaseEngine: traffic grows only on conclusive evidence', () => {
  const SHORT_CANARY = 'strategy:\n  canary:\n    steps:\n      - weight: 10\n      - pause: 10s\n      - weight: 50\n      - pause: 10s';
  const THIN = (extra = '') => `analysis:\n  interval: 5s\n  minRequests: 100${extra}\n  metrics:\n    - { name: errors, metric: error_rate, max: 0.05 }`;

  it('16.7% errors over 18 requests (under minRequests) is inconclusive: the canary stays at 10% and onInconclusive pauses', async () => {
    const engine = await withStable(planText(SHORT_CANARY, THIN()));
    h.target.rps = 36; // 10% of 36 rps over 5 s: 18 requests a measurement
    h.target.script('v2', { errorRate: 0.167 });
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    await h.until(async () => (await h.status(started.releaseId)) === 'paused', 1000, 5 * 60_000);
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }]);
    const release = await h.store.releases.get(started.releaseId);
    expect(release?.reason).toBe('errors: 4 inconclusive measurements > inconclusiveLimit 3; last: error_rate 0.167 over only 18 requests (minRequests 100) at weight 10%: inconclusive');
    await h.clock.advance(5 * 60_000);
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }]);
    await engine.abort('alice');
    const result = await h.drive(started.finished);
    expect(result.status).toBe('aborted');
    const gate = result.steps.find((s) => s.kind === 'await-analysis');
    expect(gate?.detail).toMatchObject({ waitFor: 'conclusive evidence', weight: 10, metrics: ['errors'] });
  });

  it('waits past the pause for conclusive evidence, then raises the share once it comes', async () => {
    const engine = await withStable(planText(SHORT_CANARY, THIN()));
    h.target.rps = 36;
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    await h.until(() => h.target.weightChanges.length === 1);
    await h.clock.advance(12_000);
    expect(h.target.weightChanges).toHaveLength(1);
    h.target.rps = 400;
    const result = await h.drive(started.finished);
    expect(result.status).toBe('succeeded');
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }, { v2: 50, v1: 50 }, { v2: 100 }]);
    expect(result.steps.find((s) => s.kind === 'await-analysis')).toMatchObject({ status: 'succeeded', detail: { conclusive: true, weight: 10 } });
  });

  it('onInconclusive: continue goes on after the bounded wait, recording the decision', async () => {
    const engine = await withStable(planText(SHORT_CANARY, THIN('\n  onInconclusive: continue')));
    h.target.rps = 36;
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    await h.until(() => h.target.weightChanges.length === 1);
    const t0 = h.clock.now().getTime();
    await h.until(() => h.target.weightChanges.length === 2, 1000, 5 * 60_000);
    // The pause (10 s) and then no more than the wait for evidence: (inconclusiveLimit 3 + 2) × 5 s.
    expect(h.clock.now().getTime() - t0).toBeGreaterThan(10_000);
    expect(h.clock.now().getTime() - t0).toBeLessThanOrEqual(10_000 + 25_000 + 2_000);
    const result = await h.drive(started.finished);
    expect(result.status).toBe('succeeded');
    expect(result.steps.some((s) => s.kind === 'analysis' && s.detail.decision === 'continue' && s.detail.status === 'inconclusive')).toBe(true);
  });

  it('onInconclusive: rollback rolls back at 10% instead of going to 50%', async () => {
    const engine = await withStable(planText(SHORT_CANARY, THIN('\n  onInconclusive: rollback')));
    h.target.rps = 36;
    const result = await deploy(engine, 'v2');
    expect(result.status).toBe('rolled_back');
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }, { v1: 100 }]);
  });
});

describe('ReleaseEngine: blue-green and rolling', () => {
  const BLUE_GREEN = 'strategy:\n  bluegreen: { previewFor: 10s, keepOld: 10m }';
  const PREVIEW_ANALYSIS = 'analysis:\n  interval: 5s\n  metrics:\n    - { name: health, check: health }';

  it('switches all traffic in one change after preview analysis and verify, and keeps the old version warm', async () => {
    const engine = await withStable(planText(BLUE_GREEN, PREVIEW_ANALYSIS, 'verify:\n  - check: health'));
    const result = await deploy(engine, 'v2');
    expect(result.status).toBe('succeeded');
    expect(h.target.weightChanges).toEqual([{ v2: 100 }]);
    expect(result.reason).toMatch(/^v2 serves all traffic; v1 stays warm until .* for an instant rollback$/);
    expect(result.analysis.filter((m) => m.metric === 'health').every((m) => m.verdict === 'pass')).toBe(true);
    expect(kinds(result).indexOf('verify:succeeded')).toBeLessThan(kinds(result).indexOf('promote:succeeded'));
    expect(h.target.versions().map((v) => v.version).sort()).toEqual(['v1', 'v2']);
    await h.clock.advance(10 * 60_000 + 1000);
    await h.until(() => h.target.versions().length === 1);
    expect(h.target.stopCalls).toEqual([{ version: 'v1', drainMs: 2000 }]);
  });

  it('rolls back instantly within keepOld, without starting anything', async () => {
    const engine = await withStable(planText(BLUE_GREEN, PREVIEW_ANALYSIS));
    await deploy(engine, 'v2');
    const startsBefore = h.target.startCalls.length;
    const result = await h.drive(engine.rollback({ by: 'carol' }));
    expect(result).toMatchObject({ status: 'succeeded', version: 'v1', previousVersion: 'v2', strategy: 'rollback' });
    expect(result.reason).toBe('rolled back from v2 to v1 by carol, instantly: it was still running');
    expect(h.target.startCalls.length).toBe(startsBefore);
    expect(h.target.weightChanges.at(-1)).toEqual({ v1: 100 });
    expect(h.target.versions().map((v) => v.version)).toEqual(['v1']);
    await h.clock.advance(20 * 60_000);
    expect(h.target.versions().map((v) => v.version)).toEqual(['v1']);
  });

  it('after keepOld, rollback starts the previous version first', async () => {
    const engine = await withStable(planText(BLUE_GREEN, PREVIEW_ANALYSIS));
    await deploy(engine, 'v2');
    await h.clock.advance(11 * 60_000);
    await h.until(() => h.target.versions().length === 1);
    const result = await h.drive(engine.rollback({ by: 'carol' }));
    expect(result.reason).toBe('rolled back from v2 to v1 by carol, after starting it again');
    expect(kinds(result)).toEqual(['start:succeeded', 'rollback:succeeded', 'stop:succeeded']);
  });

  it('with autoPromote: false, waits for promote before the switch', async () => {
    const engine = await withStable(planText('strategy:\n  bluegreen: { autoPromote: false, keepOld: 0s }'));
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    await h.until(async () => (await h.status(started.releaseId)) === 'paused');
    expect(h.target.weightChanges).toEqual([]);
    await engine.promote('bob');
    const result = await h.drive(started.finished);
    expect(result.status).toBe('succeeded');
    expect(h.target.weightChanges).toEqual([{ v2: 100 }]);
    expect(h.target.versions().map((v) => v.version)).toEqual(['v2']);
  });

  it('rolls out in batches: 4 instances, batch 1 → 25% steps with an analysis round between', async () => {
    const engine = await withStable(planText('strategy:\n  rolling: { batch: 1 }', ANALYSIS));
    const result = await deploy(engine, 'v2');
    expect(result.status).toBe('succeeded');
    expect(h.target.weightChanges).toEqual([{ v2: 25, v1: 75 }, { v2: 50, v1: 50 }, { v2: 75, v1: 25 }, { v2: 100 }]);
    expect(kinds(result).filter((k) => k === 'await-analysis:succeeded')).toHaveLength(3);
    const weights = result.analysis.map((m) => m.reason.replace(/.* at weight /, ''));
    expect(new Set(weights)).toEqual(new Set(['25%', '50%', '75%']));
  });

  it('rolling rolls back on a bad batch', async () => {
    const engine = await withStable(planText('strategy:\n  rolling: { batch: 2 }', ANALYSIS));
    h.target.script('v2', { errorRate: 0.2 });
    const result = await deploy(engine, 'v2');
    expect(result.status).toBe('rolled_back');
    expect(result.reason).toBe('error_rate 0.2 > max 0.01 over 500 requests at weight 50%');
    expect(h.target.weightChanges).toEqual([{ v2: 50, v1: 50 }, { v1: 100 }]);
  });
});

describe('ReleaseEngine: resume after a crash', () => {
  const SLOW_CANARY = 'strategy:\n  canary:\n    steps:\n      - weight: 10\n      - pause: 60s\n      - weight: 50\n      - pause: 60s';

  it('a new engine over the same store continues from the last persisted step', async () => {
    const first = await withStable(planText(SLOW_CANARY, ANALYSIS));
    const started = await first.start('v2', { owner: 'alice', yes: true });
    await h.until(() => h.target.weightChanges.length === 1);
    await h.clock.advance(20_000);
    await first.close();
    await expect(started.finished).rejects.toThrow('resumes when the engine starts again');
    expect(await h.status(started.releaseId)).toBe('rollout');
    const crashedAt = h.clock.now().getTime();

    const second = h.engine(planText(SLOW_CANARY, ANALYSIS));
    const resumed = await second.recover();
    expect(resumed?.releaseId).toBe(started.releaseId);
    const result = await h.drive(resumed!.finished);
    expect(result.status).toBe('succeeded');
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }, { v2: 10, v1: 90 }, { v2: 50, v1: 50 }, { v2: 100 }]);
    expect(result.steps.find((s) => s.kind === 'pause' && s.status === 'aborted')?.detail).toMatchObject({ interrupted: true });
    expect(result.steps.find((s) => s.detail.reapplied)?.kind).toBe('weight');
    // The first pause kept its deadline: about 40 s were left of it, then 60 s for the second.
    const resumedWeight = result.steps.filter((s) => s.kind === 'weight').at(-1);
    expect(Date.parse(resumedWeight?.startedAt ?? '') - crashedAt).toBeLessThanOrEqual(41_000);
    expect(h.events.some((e) => e.type === 'release.resumed' && e.releaseId === started.releaseId)).toBe(true);
  });

  it('a resumed release goes on with the plan it started with, not one edited while it was interrupted', async () => {
    const started_with = planText(SLOW_CANARY, ANALYSIS);
    const first = await withStable(started_with);
    const started = await first.start('v2', { owner: 'alice', yes: true });
    await h.until(() => h.target.weightChanges.length === 1);
    await first.close();
    await expect(started.finished).rejects.toThrow('resumes when the engine starts again');

    // The plan on disk now has other steps; the release recorded the one it started with.
    const edited = planText('strategy:\n  canary:\n    steps:\n      - weight: 30\n      - pause: 60s', ANALYSIS);
    const second = h.engine(edited);
    let adopted = false;
    const resumed = await second.recover(async (releaseId) => {
      expect(releaseId).toBe(started.releaseId);
      return { plan: parsePlan(started_with, 'glidepath.yaml', {}), adopt: () => void (adopted = true) };
    });
    const result = await h.drive(resumed!.finished);
    expect(result.status).toBe('succeeded');
    expect(adopted).toBe(true);
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }, { v2: 10, v1: 90 }, { v2: 50, v1: 50 }, { v2: 100 }]);
  });

  it('a blue-green preview open when the daemon stopped is opened again after the restart', async () => {
    const text = planText(
      'strategy:\n  bluegreen: { preview: "127.0.0.1:18999", previewFor: 60s, keepOld: 0s }',
      'analysis:\n  interval: 5s\n  metrics:\n    - { name: health, check: health }',
    );
    const first = await withStable(text);
    const started = await first.start('v2', { owner: 'alice', yes: true });
    await h.until(() => h.target.previewCalls.length === 1);
    await h.clock.advance(10_000);
    await first.close();
    await expect(started.finished).rejects.toThrow('resumes when the engine starts again');
    const result = await h.drive((await h.engine(text).recover())!.finished);
    expect(result.status).toBe('succeeded');
    expect(h.target.previewCalls).toEqual([
      { version: 'v2', listen: '127.0.0.1:18999' },
      { version: 'v2', listen: '127.0.0.1:18999' },
    ]);
    const previews = result.steps.filter((s) => s.kind === 'preview');
    expect(previews.map((s) => [s.status, s.detail.reopened ?? false])).toEqual([
      ['succeeded', false],
      ['succeeded', true],
    ]);
    expect(h.target.weightChanges).toEqual([{ v2: 100 }]);
  });

  it('restarts a canary the target lost, and rolls back when it cannot', async () => {
    const first = await withStable(planText(SLOW_CANARY, ANALYSIS));
    await first.start('v2', { owner: 'alice', yes: true });
    await h.until(() => h.target.weightChanges.length === 1);
    await first.close();
    await h.target.crash('v2');
    h.target.script('v2', { startFails: 'executable not found' });
    const result = await h.drive((await h.engine(planText(SLOW_CANARY, ANALYSIS)).recover())!.finished);
    expect(result.status).toBe('rolled_back');
    expect(result.reason).toBe('v2 was not running after the restart and did not start again: executable not found');
    expect(h.target.weightChanges.at(-1)).toEqual({ v1: 100 });
  });

  it('rolls back at once when the target gives up on a crashing canary, with its reason', async () => {
    const engine = await withStable(planText(SLOW_CANARY, ANALYSIS));
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    await h.until(() => h.target.weightChanges.length === 1);
    await h.target.crash('v2', { failed: 'instance 0 exited again after 3 restarts within 120000ms' });
    const result = await h.drive(started.finished);
    expect(result.status).toBe('rolled_back');
    expect(result.reason).toBe('v2 failed: instance 0 exited again after 3 restarts within 120000ms');
    expect(h.target.weightChanges.at(-1)).toEqual({ v1: 100 });
    expect(result.steps.filter((s) => s.status === 'running')).toEqual([]);
  });

  it('restarts a lost canary that can start, and goes on', async () => {
    const first = await withStable(planText(SLOW_CANARY, ANALYSIS));
    const started = await first.start('v2', { owner: 'alice', yes: true });
    await h.until(() => h.target.weightChanges.length === 1);
    await first.close();
    await h.target.crash('v2');
    const result = await h.drive((await h.engine(planText(SLOW_CANARY, ANALYSIS)).recover())!.finished);
    expect(result.id).toBe(started.releaseId);
    expect(result.status).toBe('succeeded');
    expect(result.steps.find((s) => s.kind === 'start' && s.detail.restart)?.status).toBe('succeeded');
  });

  it('a paused release stays paused after a restart, and can be promoted', async () => {
    const text = planText('strategy:\n  canary:\n    steps:\n      - weight: 20\n      - pause: {}\n      - weight: 60', ANALYSIS);
    const first = await withStable(text);
    const started = await first.start('v2', { owner: 'alice', yes: true });
    await h.until(async () => (await h.status(started.releaseId)) === 'paused');
    await first.close();
    const second = h.engine(text);
    const resumed = await second.recover();
    await h.clock.advance(60_000);
    expect(await h.status(started.releaseId)).toBe('paused');
    await second.resume('bob');
    const result = await h.drive(resumed!.finished);
    expect(result.status).toBe('succeeded');
    expect(h.target.weightChanges).toEqual([{ v2: 20, v1: 80 }, { v2: 20, v1: 80 }, { v2: 60, v1: 40 }, { v2: 100 }]);
  });

  const LONG_PAUSE = 'strategy:\n  canary:\n    steps:\n      - weight: 10\n      - pause: 25d\n      - weight: 50';
  const DAY = 24 * 60 * 60_000;

  it('a 25-day pause on the real clock holds the canary where it is (a bare setTimeout ended it after 1 ms)', async () => {
    h = await Harness.create();
    const engine = h.engine(planText(LONG_PAUSE), { clock: systemClock });
    expect((await engine.deploy('v1', { owner: 'alice', yes: true })).status).toBe('succeeded');
    h.target.weightChanges.length = 0;
    const started = await engine.start('v2', { owner: 'alice', yes: true });
    for (let i = 0; i < 200 && h.target.weightChanges.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }]);
    expect(await h.status(started.releaseId)).toBe('rollout');
    const release = await h.store.releases.get(started.releaseId);
    const pauseUntil = Date.parse(readState(release!.state, { canary: 'v2', stable: 'v1' }).pauseUntil ?? '');
    expect(pauseUntil - Date.now()).toBeGreaterThan(25 * DAY - 60_000);
    await engine.abort('test');
    expect((await started.finished).status).toBe('aborted');
  });

  it('a 25-day pause resumed after a restart ends at its original deadline, not 25 days after the restart', async () => {
    const text = planText(LONG_PAUSE);
    h = await Harness.create();
    const first = h.engine(text, { lockTtlMs: DAY });
    expect((await h.drive(first.deploy('v1', { owner: 'alice', yes: true }))).status).toBe('succeeded');
    h.target.weightChanges.length = 0;
    const started = await first.start('v2', { owner: 'alice', yes: true });
    await h.until(() => h.target.weightChanges.length === 1);
    await h.until(async () => readState((await h.store.releases.get(started.releaseId))!.state, { canary: 'v2', stable: 'v1' }).pauseUntil !== null);
    const deadline = async () => Date.parse(readState((await h.store.releases.get(started.releaseId))!.state, { canary: 'v2', stable: 'v1' }).pauseUntil ?? '');
    const pausedUntil = await deadline();
    expect(pausedUntil - h.clock.now().getTime()).toBeGreaterThan(25 * DAY - 5_000);
    await h.clock.advance(10 * DAY);
    await first.close();
    await expect(started.finished).rejects.toThrow('resumes when the engine starts again');

    const second = h.engine(text, { lockTtlMs: DAY });
    const resumed = await second.recover();
    await h.clock.advance(pausedUntil - h.clock.now().getTime() - 60_000);
    expect(h.target.weightChanges).toEqual([{ v2: 10, v1: 90 }, { v2: 10, v1: 90 }]);
    expect(await deadline()).toBe(pausedUntil);
    const result = await h.drive(resumed!.finished, 1_000, 10 * 60_000);
    expect(result.status).toBe('succeeded');
    const weight50 = result.steps.find((s) => s.kind === 'weight' && (s.detail.weights as Record<string, number> | undefined)?.v2 === 50);
    expect(Date.parse(weight50?.startedAt ?? '')).toBeGreaterThanOrEqual(pausedUntil);
    expect(Date.parse(weight50?.startedAt ?? '') - pausedUntil).toBeLessThan(60_000);
  });

  it('recover finds nothing to do when no release is active', async () => {
    await withStable(planText(CANARY));
    expect(await h.engine(planText(CANARY)).recover()).toBeUndefined();
  });
});

describe('ReleaseEngine: the plan\'s load test as a canary step and a verify item', () => {
  const BENCH = `bench:
  url: http://127.0.0.1:9
  count: 40
  connections: 2
  requests: [ { name: home, path: / } ]
  targets: { errorRate: 0.01 }`;
  const BENCH_CANARY = 'strategy:\n  canary:\n    steps:\n      - weight: 10\n      - bench: {}\n      - weight: 50';

  it('a `bench: {}` step loads the new version at its own address and goes on when the targets are met', async () => {
    const engine = await withStable(planText(BENCH_CANARY, BENCH));
    const result = await deploy(engine, 'v2');
    expect(result.status).toBe('succeeded');
    expect(kinds(result)).toContain('bench:succeeded');
    const step = result.steps.find((s) => s.kind === 'bench');
    // bench.url points nowhere: the step loads the version under test instead
    expect(step?.detail).toMatchObject({ requests: 40, errors: 0, pass: true, targets: [{ name: 'errorRate', actual: 0, pass: true }] });
  });

  it('a `bench: {}` step that misses a target rolls the release back, with the miss as the reason', async () => {
    const engine = await withStable(planText(BENCH_CANARY, BENCH));
    h.target.script('v2', { status: 503 });
    const result = await deploy(engine, 'v2');
    expect(result.status).toBe('rolled_back');
    expect(result.reason).toMatch(/^bench 40 requests, .*: missed errorRate 1 \(at most 0\.01\)$/);
    expect(h.target.weightChanges.at(-1)).toEqual({ v1: 100 });
  });

  it('a `bench: {}` verify item fails verify on a miss, and passes it otherwise', async () => {
    const engine = await withStable(planText(CANARY.replace(/\n {6}- pause: 30s/g, ''), BENCH, 'verify:\n  - bench: { count: 10 }'));
    h.target.script('v2', { status: 500 });
    const bad = await deploy(engine, 'v2');
    expect(bad.status).toBe('rolled_back');
    expect(bad.reason).toMatch(/^verify bench failed: 10 requests, .*missed errorRate 1/);
    const good = await deploy(engine, 'v3');
    expect(good.status).toBe('succeeded');
    expect(good.steps.find((s) => s.kind === 'verify')?.detail).toMatchObject({ items: [{ name: 'bench', status: 'pass' }] });
  });

  it('refuses a plan whose `bench: {}` step or verify item has no `bench:` section to run', () => {
    expect(() => parsePlan(planText(BENCH_CANARY, 'verify:\n  - bench: {}'), 'glidepath.yaml', {})).toThrow(/strategy\.canary\.steps\[1\]\.bench: runs the plan's `bench:` section, and the plan has none[\s\S]*verify\[0\]\.bench/);
  });
});
