/**
 * Measures every metric of the plan's analysis each `interval`, records each measurement, and reports metric outcomes.
 * `compare:` metrics are also looked at every `lookEvery` between rounds; one that fails there is recorded and
 * reported at once, so a regression is rolled back at the look that shows it instead of at the end of the interval.
 */
import type { Plan } from '../plan/plan-schema.js';
import type { AnalysisMetric } from '../plan/schema/analysis.js';
import type { Clock } from '../shared/clock.js';
import type { Target } from '../targets/target.js';
import { assessMeasurement, assessMetric } from './assess.js';
import { measureWith, metricProviders, type AnalysisSubject } from './measure.js';
import type { MetricProvider } from '../metrics/metric.js';
import type { Assessment, MeasurementRecord, MetricOutcome, SequentialEvidence } from './measurement.js';
import { SequentialComparison } from './sequential-compare.js';

/** What an analysis run needs: where to measure, when, and whom to tell. */
export interface AnalysisRunOptions {
  plan: Plan;
  planDir: string;
  target: Target;
  clock: Clock;
  /** The versions and weight at the moment of each measurement. */
  subject(): AnalysisSubject;
  /** Measurements taken before (a resumed release), so limits count across a restart. */
  history?: readonly MeasurementRecord[];
  /** Called with every measurement, in order, before its metric's outcome is reported. */
  onMeasurement(record: MeasurementRecord): void | Promise<void>;
  /** Called once per metric when it crosses a limit (fail, error or inconclusive). */
  onOutcome(outcome: MetricOutcome): void;
  /** Called after each complete round of measurements with its number (1, 2, …). */
  onRound?(round: number): void;
  /**
   * Called after a round in which every `compare` metric with `promoteEarly` showed the new version within its
   * tolerance and no metric objected; the engine may promote.
   */
  onEquivalence?(reason: string): void;
  /** Called when recording a measurement throws; the run goes on. */
  onError?(error: unknown): void;
  fetch?: typeof fetch;
}

/** A background analysis for one release; `stop()` ends it and leaves no timer or request behind. */
export class AnalysisRun {
  readonly #options: AnalysisRunOptions;
  readonly #metrics: readonly AnalysisMetric[];
  readonly #controller = new AbortController();
  readonly #history = new Map<string, MeasurementRecord[]>();
  readonly #reported = new Set<string>();
  readonly #comparisons = new Map<string, SequentialComparison>();
  /** Comparisons whose target reports no running totals: there is nothing to look at between rounds. */
  readonly #unlooked = new Set<string>();
  readonly #providers: Map<string, MetricProvider>;
  #loop: Promise<void> | undefined;
  #rounds = 0;

  constructor(options: AnalysisRunOptions) {
    this.#options = options;
    this.#metrics = options.plan.analysis?.metrics ?? [];
    for (const metric of this.#metrics) {
      this.#history.set(metric.name, []);
      if (metric.compare !== undefined) this.#comparisons.set(metric.name, new SequentialComparison(metric));
    }
    for (const record of options.history ?? []) this.#history.get(record.metric)?.push(record);
    this.#providers = metricProviders(this.#metrics, { plan: options.plan, planDir: options.planDir, target: options.target, fetch: options.fetch });
  }

  /** Whether the plan has anything to measure. */
  get empty(): boolean {
    return this.#metrics.length === 0;
  }

  /** Complete rounds of measurements taken by this run. */
  get rounds(): number {
    return this.#rounds;
  }

  /** Starts measuring; the first round comes one `interval` from now. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops measuring and waits until nothing of the run is left running. */
  async stop(): Promise<void> {
    this.#controller.abort(new Error('analysis stopped'));
    await this.#loop;
  }

  /** Every metric's standing; with `complete`, metrics within their limits `pass`. */
  outcomes(options: { complete?: boolean } = {}): MetricOutcome[] {
    const at = this.#options.clock.now().toISOString();
    return this.#metrics.map((metric) => {
      const { status, reason } = assessMetric(metric, this.#history.get(metric.name) ?? [], options);
      return { metric: metric.name, status, reason, at };
    });
  }

  async #run(): Promise<void> {
    const config = this.#options.plan.analysis;
    if (!config || this.#metrics.length === 0) return;
    const signal = this.#controller.signal;
    await this.#baseline(config.interval, signal);
    // Sequential comparisons may be looked at between rounds without spending their false-alarm budget again.
    const lookMs = this.#comparisons.size > 0 ? Math.min(config.lookEvery, config.interval) : config.interval;
    while (!signal.aborted) {
      for (let elapsed = 0; elapsed < config.interval; ) {
        const step = Math.min(lookMs, config.interval - elapsed);
        try {
          await this.#options.clock.sleep(step, signal);
        } catch {
          return;
        }
        elapsed += step;
        if (elapsed < config.interval) await this.#look(config.interval, config.minRequests, signal);
      }
      try {
        await this.#round(config.interval, config.minRequests, signal);
      } catch (error) {
        this.#options.onError?.(error);
      }
    }
  }

  /**
   * Looks at every comparison between rounds. What a look reads stays in the comparison's test; a comparison that
   * fails there is recorded and its outcome reported at once, the others record nothing until the round.
   */
  async #look(windowMs: number, minRequests: number, signal: AbortSignal): Promise<void> {
    const subject = this.#options.subject();
    for (const metric of this.#metrics) {
      const comparison = this.#comparisons.get(metric.name);
      if (!comparison || this.#reported.has(metric.name) || this.#unlooked.has(metric.name)) continue;
      try {
        const sample = await measureWith(this.#providers.get(metric.name), subject, windowMs, signal);
        // A target without running totals is compared window by window at rounds only: stop reading it at looks.
        if (sample.kind === 'compare') this.#unlooked.add(metric.name);
        if (sample.kind !== 'counters' || signal.aborted) continue;
        const judged = comparison.observe(sample, minRequests);
        if (judged.sequential !== 'fail') continue;
        const at = this.#options.clock.now().toISOString();
        await this.#record(metric, judged, judged.evidence, at);
        this.#report(metric, at);
      } catch (error) {
        this.#options.onError?.(error);
      }
    }
  }

  async #round(windowMs: number, minRequests: number, signal: AbortSignal): Promise<void> {
    const { clock } = this.#options;
    const subject = this.#options.subject();
    const at = clock.now().toISOString();
    const assessed = await Promise.all(
      this.#metrics.map(async (metric) => {
        const sample = await measureWith(this.#providers.get(metric.name), subject, windowMs, signal);
        const comparison = this.#comparisons.get(metric.name);
        if (sample.kind === 'counters' && comparison) {
          const judged = comparison.observe(sample, minRequests);
          return { metric, assessment: judged, evidence: judged.evidence, equivalent: judged.sequential === 'pass' };
        }
        return { metric, assessment: assessMeasurement(metric, sample, { minRequests, weight: subject.weight }), evidence: undefined, equivalent: false };
      }),
    );
    // A round cut short by stop() measured nothing a decision should rest on.
    if (signal.aborted) return;
    for (const { metric, assessment, evidence } of assessed) await this.#record(metric, assessment, evidence, at);
    this.#rounds++;
    // Outcomes first, so whoever waits for the round sees a failure of that round before the round itself.
    for (const metric of this.#metrics) if (!signal.aborted) this.#report(metric, at);
    this.#equivalence(assessed);
    this.#options.onRound?.(this.#rounds);
  }

  async #record(metric: AnalysisMetric, assessment: Assessment, evidence: SequentialEvidence | undefined, at: string): Promise<void> {
    const record: MeasurementRecord = {
      at,
      metric: metric.name,
      value: assessment.value,
      threshold: assessment.threshold,
      verdict: assessment.verdict,
      samples: assessment.samples,
      reason: assessment.reason,
      ...(evidence ? { evidence } : {}),
    };
    this.#history.get(metric.name)?.push(record);
    await this.#options.onMeasurement(record);
  }

  /** Reports a metric's outcome once it has crossed a limit (once per metric). */
  #report(metric: AnalysisMetric, at: string): void {
    if (this.#reported.has(metric.name)) return;
    const { status, reason } = assessMetric(metric, this.#history.get(metric.name) ?? []);
    if (status === 'running') return;
    this.#reported.add(metric.name);
    this.#options.onOutcome({ metric: metric.name, status, reason, at });
  }

  /** Reads both versions' counters once before the first interval, so the first round already judges one interval. */
  async #baseline(windowMs: number, signal: AbortSignal): Promise<void> {
    if (this.#comparisons.size === 0) return;
    const subject = this.#options.subject();
    for (const metric of this.#metrics) {
      const comparison = this.#comparisons.get(metric.name);
      if (!comparison) continue;
      const sample = await measureWith(this.#providers.get(metric.name), subject, windowMs, signal);
      if (sample.kind === 'counters') comparison.baseline(sample);
    }
  }

  #equivalence(assessed: readonly { metric: AnalysisMetric; assessment: Assessment; equivalent: boolean }[]): void {
    const early = assessed.filter(({ metric }) => metric.promoteEarly === true);
    if (early.length === 0 || !this.#options.onEquivalence) return;
    if (!early.every(({ equivalent }) => equivalent)) return;
    if (assessed.some(({ assessment }) => assessment.verdict !== 'pass')) return;
    this.#options.onEquivalence(early.map(({ metric, assessment }) => `${metric.name}: ${assessment.reason}`).join('; '));
  }
}
