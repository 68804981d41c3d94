/** Runs one release from its persisted phase to a terminal status, steered through its mailbox. */
import type { MetricOutcome } from '../analysis/measurement.js';
import { formatDuration } from '../shared/duration.js';
import type { ReleaseStatus } from '../store/index.js';
import { abortBeforeStart, hookPhase, preflightPhase, reattach, startPhase } from './phases.js';
import { ReleaseAnalysis } from './release-analysis.js';
import { finishRelease } from './release-finish.js';
import { previewStep } from './preview-step.js';
import { endAfterUnexpected, revertRelease } from './release-revert.js';
import { readReleaseResult, type ReleaseResult } from './release-result.js';
import type { PauseState, ReleasePhase } from './release-state.js';
import { EngineClosedError, type RunContext, ReleaseHalted } from './run-context.js';
import { evidenceWaitMs, missingEvidence, raisesTraffic } from './step-evidence.js';
import { Mailbox, type SteeringCommand } from './steering.js';
import { skippedByPromote, type RolloutAction, type Strategy } from './strategies/index.js';
import { shiftTraffic } from './traffic.js';
import { benchStep } from './bench-step.js';
import { verifyStep } from './verify-step.js';

/** One release in progress. */
export class ReleaseRun {
  /** Settles with the release's record once it reaches a terminal status. */
  readonly finished: Promise<ReleaseResult>;
  readonly #ctx: RunContext;
  readonly #strategy: Strategy;
  readonly #mailbox = new Mailbox();
  readonly #analysis: ReleaseAnalysis;
  /** Whether the release will be paused once it takes the steering commands queued so far. */
  #intent: boolean | undefined;

  constructor(ctx: RunContext, strategy: Strategy, options: { recovering: boolean }) {
    this.#ctx = ctx;
    this.#strategy = strategy;
    this.#analysis = new ReleaseAnalysis(ctx, {
      onOutcome: (outcome) => this.#mailbox.post({ kind: 'outcome', outcome }),
      onRound: (run, round) => this.#mailbox.post({ kind: 'round', run, round }),
      onEquivalence: (reason) => this.#mailbox.post({ kind: 'promote', by: 'analysis', reason }),
    });
    // A new version that keeps crashing is not worth waiting for analysis: roll back as soon as the target gives up.
    const stopWatching = ctx.target.onEvent((event) => {
      // What a target ran for the user (the command target's commands) goes into the record with its output.
      if (event.type === 'command.ran' && event.command) void ctx.recorder.event('target.command', { version: event.version, ...event.command }).catch(() => undefined);
      const crashed = event.type === 'version.failed' && event.version === ctx.state.canary && ctx.state.phase === 'rollout';
      if (crashed) this.#mailbox.post({ kind: 'crashed', reason: `${event.version} failed: ${event.reason ?? 'it stopped running'}` });
    });
    this.finished = this.#main(options.recovering).finally(stopWatching);
  }

  get id(): string {
    return this.#ctx.recorder.id;
  }

  /** Whether the release waits for a person (resume, promote or abort). */
  get paused(): boolean {
    return this.#intent ?? this.#ctx.state.paused !== null;
  }

  /** Hands a steering command to the release; it acts on it at its next step or wait. */
  steer(command: SteeringCommand): void {
    if (command.kind === 'pause') this.#intent = true;
    if (command.kind === 'resume' || command.kind === 'promote') this.#intent = false;
    this.#mailbox.post(command);
  }

  async #main(recovering: boolean): Promise<ReleaseResult> {
    const { state, recorder, signal } = this.#ctx;
    try {
      if (recovering) await recorder.event('release.resumed', { phase: state.phase, cursor: state.cursor, paused: state.paused !== null });
      if (state.phase === 'preflight') await this.#phase(() => preflightPhase(this.#ctx), 'backup');
      if (state.phase === 'backup') await this.#phase(() => hookPhase(this.#ctx, 'backup'), 'migrate');
      if (state.phase === 'migrate') await this.#phase(() => hookPhase(this.#ctx, 'migrate'), 'start');
      if (state.phase === 'start') {
        await abortBeforeStart(this.#ctx, this.#mailbox.takeKind('abort'));
        await this.#phase(() => startPhase(this.#ctx), 'rollout');
      } else if (recovering) await this.#reattach();
      if (state.phase === 'rollout') await this.#phase(() => this.#rollout(), 'finish');
      await finishRelease(this.#ctx, this.#strategy.keepOldMs);
    } catch (error) {
      if (signal.aborted) {
        await this.#analysis.stop({ record: false });
        throw new EngineClosedError(this.id);
      }
      if (!(error instanceof ReleaseHalted)) await this.#unexpected(error);
    }
    await this.#analysis.stop({ record: true, done: true });
    await recorder.flush();
    return readReleaseResult(this.#ctx.store, this.id);
  }

  async #phase(run: () => Promise<void>, next: ReleasePhase): Promise<void> {
    await run();
    this.#ctx.state.phase = next;
    await this.#ctx.recorder.saveState(this.#ctx.state);
  }

  async #reattach(): Promise<void> {
    const { state } = this.#ctx;
    const problem = await reattach(this.#ctx);
    if (problem !== undefined) {
      if (this.#ctx.plan.analysis?.onFailure === 'pause') await this.#pauseFor({ kind: 'analysis', reason: problem });
      else await this.#revert('rolled_back', problem);
    }
    if (state.phase === 'rollout') await this.#reopenPreview();
    if (state.analysisActive && state.paused?.kind !== 'analysis') await this.#analysis.start({ fresh: false });
  }

  // A preview listener lived in the daemon that stopped; the version it showed was re-adopted, so it is shown again.
  async #reopenPreview(): Promise<void> {
    const done = this.#strategy.actions.slice(0, this.#ctx.state.cursor);
    let listen: string | undefined;
    for (const action of done) if (action.kind === 'preview') listen = action.listen;
    if (listen !== undefined) await this.#preview(listen, { reopened: true });
  }

  async #rollout(): Promise<void> {
    const { state, recorder } = this.#ctx;
    const actions = this.#strategy.actions;
    if (state.paused) {
      const kind = state.paused.kind;
      await this.#holdPaused();
      // A restarted release that waited at a `pause: {}` step has now passed it.
      if (kind === 'promote-wait' && actions[state.cursor]?.kind === 'pause') state.cursor++;
    }
    while (state.cursor < actions.length) {
      for (let command = this.#mailbox.take(); command; command = this.#mailbox.take()) await this.#handle(command);
      const action = actions[state.cursor] as RolloutAction;
      if (!state.promoted && raisesTraffic(action, state.weights[state.canary] ?? 0)) await this.#awaitEvidence();
      if (!(state.promoted && skippedByPromote(action))) await this.#act(action);
      state.cursor++;
      state.pauseUntil = null;
      await recorder.saveState(state);
    }
  }

  async #act(action: RolloutAction): Promise<void> {
    const { state, recorder } = this.#ctx;
    switch (action.kind) {
      case 'analyze':
        return this.#analysis.start({ fresh: true });
      case 'preview':
        return this.#preview(action.listen);
      case 'weight':
      case 'promote': {
        await recorder.setStatus('rollout');
        if (action.kind === 'promote') await this.#analysis.stop({ record: true, done: true });
        const problem = await shiftTraffic(this.#ctx, action.kind === 'promote' ? 100 : action.weight, action.kind);
        if (problem !== undefined) await this.#revert('rolled_back', problem);
        return;
      }
      case 'pause':
        if (action.ms !== undefined) return this.#timedPause(action.ms);
        {
          const step = await recorder.beginStep('pause', { until: 'promote' });
          const weight = state.weights[state.canary] ?? 0;
          await this.#pauseFor({ kind: 'promote-wait', reason: `waiting for promote with ${state.canary} at weight ${weight}%` });
          await recorder.endStep(step, 'succeeded', state.promoted ? { promoted: true } : { resumed: true });
        }
        return;
      case 'await-analysis':
        return this.#awaitAnalysis();
      case 'bench':
      case 'verify': {
        const problem = action.kind === 'bench' ? await benchStep(this.#ctx, { duration: action.durationMs, count: action.count }) : await verifyStep(this.#ctx);
        if (problem !== undefined) await this.#revert('rolled_back', problem);
        return;
      }
    }
  }

  #preview(listen: string, detail: { reopened?: true } = {}): Promise<void> {
    return previewStep(this.#ctx, listen, detail);
  }

  async #timedPause(ms: number): Promise<void> {
    const { state, recorder, clock, signal } = this.#ctx;
    await recorder.setStatus('rollout');
    let deadline = state.pauseUntil === null ? clock.now().getTime() + ms : Date.parse(state.pauseUntil);
    state.pauseUntil = new Date(deadline).toISOString();
    await recorder.saveState(state);
    const step = await recorder.beginStep('pause', { durationMs: ms, until: state.pauseUntil });
    while (!state.promoted) {
      const next = await this.#mailbox.next(clock, deadline - clock.now().getTime(), signal);
      if (next === 'elapsed') break;
      const before = clock.now().getTime();
      await this.#handle(next);
      // Time spent paused by a person or by analysis does not count towards the pause.
      if (next.kind === 'pause' || next.kind === 'outcome') {
        deadline += clock.now().getTime() - before;
        state.pauseUntil = new Date(deadline).toISOString();
        await recorder.saveState(state);
      }
    }
    await recorder.endStep(step, 'succeeded', state.promoted ? { promoted: true } : {});
  }

  async #awaitAnalysis(): Promise<void> {
    const { state, recorder, clock, signal } = this.#ctx;
    const first = this.#analysis.current;
    if (!first) return;
    const step = await recorder.beginStep('await-analysis', { waitFor: 'one complete analysis round' });
    let want = { run: first, round: first.rounds + 1 };
    while (!state.promoted) {
      const current = this.#analysis.current;
      if (!current) break;
      if (current !== want.run) want = { run: current, round: current.rounds + 1 };
      if (current.rounds >= want.round) break;
      const next = await this.#mailbox.next(clock, undefined, signal);
      if (next !== 'elapsed' && next.kind !== 'round') await this.#handle(next);
    }
    await recorder.endStep(step, 'succeeded', { rounds: want.run.rounds });
  }

  /**
   * Before the new version's share grows: waits until every metric has a conclusive measurement at the current
   * share, at most `evidenceWaitMs`; then `onInconclusive` decides. A metric's own inconclusive outcome decides too.
   */
  async #awaitEvidence(): Promise<void> {
    const { plan, state, recorder, clock, signal } = this.#ctx;
    const config = plan.analysis;
    if (!config || !this.#analysis.current) return;
    const weight = state.weights[state.canary] ?? 0;
    const since = () => state.weightSince ?? state.analysisSince ?? '';
    let missing = missingEvidence(config, state.analysis, since(), weight);
    if (missing.length === 0) return;
    const waitMs = evidenceWaitMs(config);
    const step = await recorder.beginStep('await-analysis', { waitFor: 'conclusive evidence', weight, metrics: missing.map((m) => m.metric), atMostMs: waitMs });
    let deadline = clock.now().getTime() + waitMs;
    while (missing.length > 0 && !state.promoted) {
      const next = await this.#mailbox.next(clock, deadline - clock.now().getTime(), signal);
      if (next === 'elapsed') {
        const reason = `no conclusive evidence at weight ${weight}% within ${formatDuration(waitMs)}: ${missing.map((m) => m.reason).join('; ')}`;
        await recorder.endStep(step, 'failed', { reason });
        return this.#decide({ metric: missing.map((m) => m.metric).join(', '), status: 'inconclusive', reason, at: clock.now().toISOString() }, false);
      }
      if (next.kind !== 'round') {
        await this.#handle(next);
        // The metric's own limit decided (onInconclusive), or a person resumed: that settles the step.
        if (next.kind === 'outcome' && next.outcome.status === 'inconclusive') break;
        if (next.kind === 'outcome' || next.kind === 'pause') deadline = clock.now().getTime() + waitMs;
      }
      missing = missingEvidence(config, state.analysis, since(), weight);
    }
    await recorder.endStep(step, 'succeeded', missing.length === 0 ? { conclusive: true } : { decided: true, promoted: state.promoted });
  }

  /** Acts on a command that arrived while the release runs (not paused). */
  async #handle(command: SteeringCommand): Promise<void> {
    const { recorder } = this.#ctx;
    switch (command.kind) {
      case 'promote':
        return this.#promote(command.by, command.reason);
      case 'pause':
        await recorder.instantStep('pause', 'succeeded', { by: command.by, manual: true });
        await recorder.event('release.steered', { action: 'pause', by: command.by });
        return this.#pauseFor({ kind: 'manual', reason: `paused by ${command.by}` });
      case 'abort':
        return this.#abort(command.by);
      case 'outcome':
        return this.#decide(command.outcome, false);
      case 'crashed':
        return this.#revert('rolled_back', command.reason);
      default:
        return;
    }
  }

  async #promote(by: string, reason?: string): Promise<void> {
    const { state, recorder } = this.#ctx;
    if (state.promoted) return;
    state.promoted = true;
    await recorder.saveState(state);
    const how = reason === undefined ? { manual: true } : { early: true, reason };
    await recorder.instantStep('promote', 'succeeded', { by, ...how, skips: 'remaining weights and pauses' });
    await recorder.event('release.steered', { action: 'promote', by, ...how });
  }

  async #abort(by: string): Promise<never> {
    await this.#ctx.recorder.instantStep('abort', 'succeeded', { by });
    await this.#ctx.recorder.event('release.steered', { action: 'abort', by });
    return this.#revert('aborted', `aborted by ${by}`);
  }

  /** Applies onFailure / onInconclusive to a metric that crossed a limit. */
  async #decide(outcome: MetricOutcome, alreadyPaused: boolean): Promise<void> {
    const { plan, state, recorder } = this.#ctx;
    const failing = outcome.status === 'fail' || outcome.status === 'error';
    const decision = failing ? (plan.analysis?.onFailure ?? 'rollback') : (plan.analysis?.onInconclusive ?? 'pause');
    await recorder.instantStep('analysis', decision === 'continue' ? 'succeeded' : 'failed', { ...outcome, decision });
    await recorder.event('release.decision', { ...outcome, decision });
    if (decision === 'continue') return;
    if (decision === 'rollback') return this.#revert('rolled_back', outcome.reason);
    await this.#analysis.stop({ record: true });
    if (!alreadyPaused) return this.#pauseFor({ kind: 'analysis', reason: outcome.reason });
    state.paused = { kind: 'analysis', reason: outcome.reason, since: state.paused?.since ?? this.#ctx.clock.now().toISOString() };
    await recorder.saveState(state);
    await recorder.setStatus('paused', outcome.reason);
  }

  async #pauseFor(pause: Omit<PauseState, 'since'>): Promise<void> {
    this.#intent = undefined;
    this.#ctx.state.paused = { ...pause, since: this.#ctx.clock.now().toISOString() };
    await this.#ctx.recorder.saveState(this.#ctx.state);
    await this.#holdPaused();
  }

  /** Holds traffic where it is until a person resumes, promotes or aborts. */
  async #holdPaused(): Promise<void> {
    const { state, recorder, clock, signal } = this.#ctx;
    await recorder.setStatus('paused', state.paused?.reason ?? 'paused');
    for (;;) {
      const next = await this.#mailbox.next(clock, undefined, signal);
      if (next === 'elapsed' || next.kind === 'round' || next.kind === 'pause') continue;
      // Analysis does not lift a pause that waits for a person: only a person promotes from there.
      if (next.kind === 'promote' && next.reason !== undefined) continue;
      if (next.kind === 'abort') await this.#abort(next.by);
      if (next.kind === 'crashed') return this.#revert('rolled_back', next.reason);
      if (next.kind === 'outcome') {
        await this.#decide(next.outcome, true);
        continue;
      }
      const wasAnalysis = state.paused?.kind === 'analysis';
      if (next.kind === 'promote') await this.#promote(next.by);
      else {
        await recorder.instantStep('resume', 'succeeded', { by: next.by });
        await recorder.event('release.steered', { action: 'resume', by: next.by });
      }
      state.paused = null;
      this.#intent = undefined;
      await recorder.saveState(state);
      await recorder.setStatus('rollout', null);
      // A person chose to go on after analysis stopped the release: measure afresh from here.
      if (wasAnalysis && state.analysisActive && !state.promoted) await this.#analysis.start({ fresh: true });
      return;
    }
  }

  /** Sends traffic back to stable and ends the release (see `revertRelease`); never returns. */
  #revert(status: Extract<ReleaseStatus, 'rolled_back' | 'aborted'>, reason: string): Promise<never> {
    return revertRelease(this.#ctx, status, reason, () => this.#analysis.stop({ record: true, done: true }));
  }

  #unexpected(error: unknown): Promise<void> {
    return endAfterUnexpected(this.#ctx, error, (reason) => this.#revert('rolled_back', reason));
  }
}
