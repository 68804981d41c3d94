/**
 * The release engine of one service: runs a release through preflight, backup, migrate, start, the strategy with
 * analysis, and verify; steers it on request; resumes it after a restart. The daemon hosts it; CI can too.
 */
import { randomUUID } from 'node:crypto';
import type { Confirmer } from '../preflight/preflight.js';
import type { Plan } from '../plan/plan-schema.js';
import type { Clock } from '../shared/clock.js';
import { GlidepathError, LockHeldError, UsageError } from '../shared/errors.js';
import { TERMINAL_RELEASE_STATUSES, type Store } from '../store/index.js';
import type { Target } from '../targets/target.js';
import { DEFAULT_LOCK_TTL_MS, LockLease } from './lock-lease.js';
import { interruptedReleaseError, type LiveTakeover, recordRunner, takeOverLease } from './release-takeover.js';
import { holderName, type RunnerIdentity } from './runner-identity.js';
import { rollbackTarget, runManualRollback } from './manual-rollback.js';
import { type EventSink, ReleaseRecorder } from './release-recorder.js';
import type { ReleaseResult } from './release-result.js';
import { ReleaseRun } from './release-run.js';
import { initialState, readState, type ReleaseState, stateJson } from './release-state.js';
import type { ReleaseHooks, RunContext } from './run-context.js';
import { findStableVersion, targetRuns } from './stable-version.js';
import { strategyFor, strategyNameOf } from './strategies/index.js';
import { WarmVersion } from './warm-version.js';

/** What the engine is built from. */
export interface ReleaseEngineDeps {
  plan: Plan;
  /** Directory of the plan file; relative paths in the plan are resolved against it. */
  planDir: string;
  store: Store;
  events: EventSink;
  target: Target;
  clock: Clock;
  /** How preflight confirmations are answered without `yes` (default: they cannot be, and fail). */
  confirmer?: Confirmer;
  hooks?: ReleaseHooks;
  lockTtlMs?: number;
  /** Who this engine runs releases as: the lease holder, recorded on every release it starts or takes over. */
  runner?: RunnerIdentity;
  /**
   * Whether a live lease may be taken over at once because its runner is known to be gone (a daemon restarting on
   * the host of its dead predecessor). Default with a `runner`: never, the lease must lapse; without one, the
   * engine trusts that the holder the release recorded has stopped (one engine per store, as in tests).
   */
  takeOverLive?: LiveTakeover;
  /** Used for Prometheus queries (tests pass their own). */
  fetch?: typeof fetch;
}

/**
 * The plan a release runs, read from disk when it was asked for; from then on the engine's plan in force (steering,
 * rollback, the next recovery). `adopt` runs once the release holds the lock, before anything else changes.
 */
export interface ReleasePlan {
  plan: Plan;
  hooks?: ReleaseHooks;
  adopt?: () => void;
}

/** Who releases, and whether preflight confirmations are given up front (`--yes`). */
export interface DeployOptions {
  owner: string;
  yes: boolean;
  notes?: string;
  /** The plan to run (default: the plan in force). */
  plan?: ReleasePlan;
}

/** A release that has started: its id at once, its record when it ends. */
export interface StartedRelease {
  releaseId: string;
  finished: Promise<ReleaseResult>;
}

/** Runs and steers the releases of one service, one at a time. */
export class ReleaseEngine {
  #deps: ReleaseEngineDeps;
  readonly #closing = new AbortController();
  #current: (StartedRelease & { run: ReleaseRun }) | undefined;
  #warm: WarmVersion | undefined;
  readonly #holder: string;

  constructor(deps: ReleaseEngineDeps) {
    this.#deps = deps;
    this.#holder = deps.runner ? holderName(deps.runner) : `engine:${randomUUID()}`;
  }

  /** The release this engine runs now, if any. */
  get activeReleaseId(): string | undefined {
    return this.#current?.releaseId;
  }

  /** Starts a release of `version` and returns once it is recorded; throws LockHeldError while another one runs. */
  async start(version: string, options: DeployOptions): Promise<StartedRelease> {
    const { store, clock, target } = this.#deps;
    this.#assertOpen();
    await this.#settleFinished();
    if (this.#current) throw new LockHeldError(this.#deps.plan.service, this.#current.releaseId);
    const holder = this.#holder;
    const lease = await LockLease.acquire(store, this.#deps.plan.service, holder, clock, this.#ttlMs());
    try {
      // A release another runner left behind goes first: it is resumed or rolled back, never run beside a new one.
      const interrupted = await store.releases.active(this.#deps.plan.service);
      if (interrupted) throw interruptedReleaseError(interrupted, readState(interrupted.state, { canary: interrupted.version, stable: null }).lockHolder);
      // The plan changes only while this release holds the lock: a refused deploy leaves the one in force.
      if (options.plan) {
        options.plan.adopt?.();
        this.#deps = { ...this.#deps, plan: options.plan.plan, hooks: options.plan.hooks };
      }
      const { plan } = this.#deps;
      const stable = await findStableVersion(store, plan.service, target);
      if (stable === version) throw new UsageError(`${version} already serves ${plan.service}; there is nothing to release`);
      // A version kept warm by an earlier blue-green release would linger beside two others.
      if (this.#warm && this.#warm.version !== stable) await this.#warm.stopNow('a new release started');
      this.#warm = undefined;
      const state = initialState({ lockHolder: holder, yes: options.yes, stable, canary: version });
      const release = await store.releases.create({
        service: plan.service,
        version,
        strategy: strategyNameOf(plan),
        previousVersion: stable,
        owner: options.owner,
        notes: options.notes ?? null,
        startedAt: clock.now().toISOString(),
        state: stateJson(state),
      });
      const recorder = await ReleaseRecorder.open(store, this.#deps.events, clock, release);
      await recorder.event('release.created', { version, previousVersion: stable, strategy: release.strategy, owner: options.owner });
      await recordRunner(recorder, holder);
      return this.#launch(recorder, state, lease, false);
    } catch (error) {
      await lease.release();
      throw error;
    }
  }

  /** Runs a release of `version` to its end and returns its record. */
  async deploy(version: string, options: DeployOptions): Promise<ReleaseResult> {
    return (await this.start(version, options)).finished;
  }

  /** Skips the remaining pauses and weight steps: the new version gets all traffic, then verify runs. */
  async promote(by = 'api'): Promise<void> {
    this.#running('promote').steer({ kind: 'promote', by });
  }

  /** Holds traffic where it is until resume, promote or abort. */
  async pause(by = 'api'): Promise<void> {
    const run = this.#running('pause');
    if (run.paused) throw new UsageError(`release ${run.id} is already paused`);
    run.steer({ kind: 'pause', by });
  }

  /** Continues a paused release from where it stopped (past a `pause: {}` step, to the next one). */
  async resume(by = 'api'): Promise<void> {
    const run = this.#running('resume');
    if (!run.paused) throw new UsageError(`release ${run.id} is not paused`);
    run.steer({ kind: 'resume', by });
  }

  /** Rolls the running release back; it ends `aborted`. */
  async abort(by = 'api'): Promise<void> {
    this.#running('abort').steer({ kind: 'abort', by });
  }

  /** After a success, goes back to the previous version (or `to`): instantly while it is still warm. */
  async rollback(options: { to?: string; by?: string } = {}): Promise<ReleaseResult> {
    const { plan, store, clock } = this.#deps;
    this.#assertOpen();
    await this.#settleFinished();
    if (this.#current) throw new UsageError(`release ${this.#current.releaseId} is running; abort it instead`);
    const holder = this.#holder;
    const lease = await LockLease.acquire(store, plan.service, holder, clock, this.#ttlMs());
    try {
      const deps = { ...this.#deps, drainMs: this.#drainMs(), lockHolder: holder };
      const { from, to } = await rollbackTarget(deps, options.to);
      if (this.#warm?.version === to) await this.#warm.cancel();
      else if (this.#warm) await this.#warm.stopNow('rolled back to another version');
      this.#warm = undefined;
      return await runManualRollback(deps, { from, to, by: options.by ?? 'api' });
    } finally {
      await lease.release();
    }
  }

  /**
   * On startup: continues the service's unfinished release from its last persisted step (re-adopting or restarting
   * its versions and re-applying its split), or rolls it back when it cannot continue; a paused one stays paused.
   * Also re-arms the stop of a version kept warm by a blue-green release. `planOf` gives the plan the release
   * recorded when it started; without one the plan in force is used. The release's lease is taken over only once
   * it has lapsed (see `takeOverLive`); while another runner holds it, this throws LockHeldError naming that runner.
   */
  async recover(planOf?: (releaseId: string) => Promise<ReleasePlan | undefined>): Promise<StartedRelease | undefined> {
    const { plan, store, clock } = this.#deps;
    this.#assertOpen();
    if (this.#current) return this.#current;
    await this.#rearmWarm();
    const release = await store.releases.active(plan.service);
    if (!release) return undefined;
    const state = readState(release.state, { canary: release.version, stable: release.previousVersion });
    const previous = state.lockHolder;
    const mayTakeLive = this.#deps.takeOverLive ?? ((holder: string) => this.#deps.runner === undefined && holder === previous);
    const lease = await takeOverLease({ store, clock, service: plan.service, ttlMs: this.#ttlMs() }, this.#holder, mayTakeLive);
    try {
      // The release goes on with the plan it started with, not one edited on disk while it was interrupted.
      const recorded = await planOf?.(release.id);
      if (recorded) {
        recorded.adopt?.();
        this.#deps = { ...this.#deps, plan: recorded.plan, hooks: recorded.hooks };
      }
      state.lockHolder = this.#holder;
      const recorder = await ReleaseRecorder.open(store, this.#deps.events, clock, release);
      if (previous !== this.#holder) await recordRunner(recorder, this.#holder, previous);
      return this.#launch(recorder, state, lease, true);
    } catch (error) {
      await lease.release();
      throw error;
    }
  }

  /** Stops working without changing any release: a running one is left as persisted, to be resumed. */
  async close(): Promise<void> {
    this.#closing.abort(new Error('the release engine is closing'));
    await this.#current?.finished.catch(() => undefined);
    await this.#warm?.cancel();
  }

  /**
   * A release is recorded as finished a moment before the engine lets go of it; a caller that reacted to that
   * record (the CLI starting the next release) waits for the engine to catch up instead of seeing it as running.
   */
  async #settleFinished(): Promise<void> {
    const current = this.#current;
    if (!current) return;
    const row = await this.#deps.store.releases.get(current.releaseId);
    if (row && TERMINAL_RELEASE_STATUSES.includes(row.status)) await current.finished.catch(() => undefined);
  }

  #launch(recorder: ReleaseRecorder, state: ReleaseState, lease: LockLease, recovering: boolean): StartedRelease {
    const { plan } = this.#deps;
    const ctx: RunContext = {
      ...this.#deps,
      confirmer: this.#deps.confirmer ?? { mode: 'none' },
      hooks: this.#deps.hooks ?? {},
      recorder,
      state,
      // A runner that lost its lease (it stalled past the TTL and another took over) stops as if shut down.
      signal: AbortSignal.any([this.#closing.signal, lease.lost]),
      drainMs: this.#drainMs(),
    };
    const run = new ReleaseRun(ctx, strategyFor(plan, { firstRelease: state.firstRelease }), { recovering });
    const finished = run.finished.then(
      async (result) => {
        this.#current = undefined;
        await lease.release();
        this.#keepWarm(recorder.id, state);
        return result;
      },
      async (error: unknown) => {
        this.#current = undefined;
        await lease.abandon();
        throw error;
      },
    );
    // The caller may never await it (the daemon answers with the id); a shutdown rejection is expected then.
    finished.catch(() => undefined);
    this.#current = { releaseId: recorder.id, finished, run };
    return { releaseId: recorder.id, finished };
  }

  #keepWarm(releaseId: string, state: ReleaseState): void {
    if (state.keepOldUntil === null || state.stable === null || this.#closing.signal.aborted) return;
    this.#warm = new WarmVersion({ ...this.#deps, drainMs: this.#drainMs() }, { version: state.stable, releaseId, until: state.keepOldUntil });
    this.#warm.schedule();
  }

  async #rearmWarm(): Promise<void> {
    const { plan, store, target } = this.#deps;
    if (this.#warm) return;
    const latest = (await store.releases.listByService(plan.service, { limit: 20 })).find((release) => release.status === 'succeeded');
    if (!latest || latest.status !== 'succeeded') return;
    const state = readState(latest.state, { canary: latest.version, stable: latest.previousVersion });
    if (state.stable !== null && targetRuns(target, state.stable)) this.#keepWarm(latest.id, state);
  }

  #running(action: string): ReleaseRun {
    if (!this.#current) throw new UsageError(`no release of ${this.#deps.plan.service} is running; there is nothing to ${action}`);
    return this.#current.run;
  }

  #assertOpen(): void {
    if (this.#closing.signal.aborted) throw new GlidepathError('the release engine is closed', { code: 'engine_closed' });
  }

  #ttlMs(): number {
    return this.#deps.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  }

  #drainMs(): number | undefined {
    const target = this.#deps.plan.target;
    return target && 'drain' in target ? target.drain : undefined;
  }
}
