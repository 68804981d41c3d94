/** The background analysis of a release: an AnalysisRun wired to the release's state, step and mailbox. */
import { AnalysisRun } from '../analysis/analysis-run.js';
import type { MeasurementRecord, MetricOutcome } from '../analysis/measurement.js';
import type { StepHandle } from './release-recorder.js';
import type { RunContext } from './run-context.js';

/** Starts and stops the analysis of one release, recording it as an `analysis` step that spans it. */
export class ReleaseAnalysis {
  readonly #ctx: RunContext;
  readonly #onOutcome: (outcome: MetricOutcome) => void;
  readonly #onRound: (run: AnalysisRun, round: number) => void;
  readonly #onEquivalence: (reason: string) => void;
  #run: AnalysisRun | undefined;
  #step: StepHandle | undefined;

  constructor(
    ctx: RunContext,
    hooks: { onOutcome: (outcome: MetricOutcome) => void; onRound: (run: AnalysisRun, round: number) => void; onEquivalence: (reason: string) => void },
  ) {
    this.#ctx = ctx;
    this.#onOutcome = hooks.onOutcome;
    this.#onRound = hooks.onRound;
    this.#onEquivalence = hooks.onEquivalence;
  }

  /** The run in progress, if any. */
  get current(): AnalysisRun | undefined {
    return this.#run;
  }

  /** Whether the plan measures anything for this release (a first release has nothing to compare or fall back to). */
  get wanted(): boolean {
    return !this.#ctx.state.firstRelease && (this.#ctx.plan.analysis?.metrics.length ?? 0) > 0;
  }

  /**
   * Starts measuring. `fresh` forgets earlier measurements (a person resumed after analysis paused the release);
   * otherwise the measurements of the current run so far count towards its limits (a restarted engine).
   */
  async start(options: { fresh: boolean }): Promise<void> {
    const { state, clock, recorder } = this.#ctx;
    state.analysisActive = true;
    if (this.#run || !this.wanted) return;
    if (options.fresh || state.analysisSince === null) state.analysisSince = clock.now().toISOString();
    const since = state.analysisSince;
    const seed: MeasurementRecord[] = state.analysis.filter((record) => record.at >= since);
    const run = new AnalysisRun({
      plan: this.#ctx.plan,
      planDir: this.#ctx.planDir,
      target: this.#ctx.target,
      clock,
      fetch: this.#ctx.fetch,
      history: seed,
      subject: () => ({
        canary: { version: state.canary, url: state.canaryUrl ?? undefined },
        stable: state.stable === null ? undefined : { version: state.stable },
        weight: state.weights[state.canary] ?? 0,
      }),
      onMeasurement: async (record) => {
        state.analysis.push(record);
        await recorder.saveState(state);
        await recorder.event('analysis.measurement', { ...record });
      },
      onOutcome: (outcome) => this.#onOutcome(outcome),
      onRound: (round) => this.#onRound(run, round),
      onEquivalence: (reason) => this.#onEquivalence(reason),
    });
    this.#run = run;
    await recorder.saveState(state);
    const metrics = this.#ctx.plan.analysis?.metrics.map((metric) => metric.name) ?? [];
    this.#step = await recorder.beginStep('analysis', { metrics, intervalMs: this.#ctx.plan.analysis?.interval ?? null });
    run.start();
  }

  /** Stops measuring; with `record`, ends the analysis step with every metric's standing. */
  async stop(options: { record: boolean; done?: boolean }): Promise<void> {
    const run = this.#run;
    const step = this.#step;
    this.#run = undefined;
    this.#step = undefined;
    if (options.done) this.#ctx.state.analysisActive = false;
    if (!run) return;
    await run.stop();
    if (!options.record || !step) return;
    const outcomes = run.outcomes({ complete: true });
    const failed = outcomes.some((outcome) => outcome.status === 'fail' || outcome.status === 'error');
    await this.#ctx.recorder.endStep(step, failed ? 'failed' : 'succeeded', {
      rounds: run.rounds,
      outcomes: outcomes.map(({ metric, status, reason }) => ({ metric, status, reason })),
    });
  }
}
