/**
 * The daemon's jobs: each definition on the scheduler, with the overlap guard (a due run while one still runs is
 * recorded as skipped), retries with backoff, catch-up of a run missed while the daemon was down, the emergency
 * stop kept in the store, and a bounded run history with secrets masked.
 */
import { redactSecrets } from '../checks/redact.js';
import { withRetries } from '../scheduler/retry.js';
import { describeSpec, lastMissed } from '../scheduler/schedule-spec.js';
import { Scheduler, type ScheduleHandle } from '../scheduler/scheduler.js';
import type { Clock } from '../shared/clock.js';
import { ApiError, describeError } from '../shared/errors.js';
import type { JobRepository, JobRunRecord, JobState, JobTrigger } from '../store/job-repository.js';
import type { AttemptOutcome, JobDefinition } from './job-definition.js';

/** One job as `glidepath jobs list` shows it. */
export interface JobSummary {
  name: string;
  kind: string;
  schedule: string;
  nextRun: string | null;
  disabled: boolean;
  running: boolean;
  lastRun: JobRunRecord | null;
}

/** What the runner needs from the daemon. */
export interface JobRunnerOptions {
  service: string;
  repository: JobRepository;
  clock: Clock;
  /** Secret values to mask in recorded output and details. */
  secrets: () => readonly string[];
  log: (line: string) => void;
  /** The scheduler to run on (the daemon's, shared with monitors and alerts); a new one on `clock` when absent. */
  scheduler?: Scheduler;
}

/** The scheduler's name of a job's schedule. */
export function jobScheduleName(name: string): string {
  return `job:${name}`;
}

/** Runs the jobs of the plan in force. */
export class JobRunner {
  readonly #options: JobRunnerOptions;
  readonly #scheduler: Scheduler;
  readonly #definitions = new Map<string, JobDefinition>();
  readonly #handles = new Map<string, ScheduleHandle>();
  readonly #running = new Map<string, number>();
  readonly #stopper = new AbortController();
  #states = new Map<string, JobState>();
  #applied = false;

  constructor(options: JobRunnerOptions) {
    this.#options = options;
    this.#scheduler = options.scheduler ?? new Scheduler(options.clock);
  }

  /**
   * Makes `definitions` the jobs in force: schedules new and changed ones, stops removed ones. The first call also
   * runs, once, each `catchUp: once` job whose last run is older than a time it should have run since.
   */
  async apply(definitions: readonly JobDefinition[]): Promise<void> {
    const { service, repository } = this.#options;
    this.#states = await repository.states(service);
    const wanted = new Map(definitions.map((d) => [d.name, d]));
    for (const [name, handle] of this.#handles) {
      if (wanted.get(name)?.fingerprint === this.#definitions.get(name)?.fingerprint) continue;
      void handle.stop();
      this.#handles.delete(name);
      this.#definitions.delete(name);
    }
    const latest = this.#applied ? new Map<string, JobRunRecord>() : await repository.latest(service);
    const firstApply = !this.#applied;
    this.#applied = true;
    for (const definition of definitions) {
      if (this.#handles.has(definition.name)) continue;
      this.#definitions.set(definition.name, definition);
      const handle = this.#scheduler.schedule(jobScheduleName(definition.name), definition.spec, ({ scheduledAt }) => this.#fire(definition.name, 'schedule', scheduledAt), {
        overlap: true, // the runner guards overlap itself, so manual runs count too
        onError: (error) => this.#options.log(`job ${definition.name}: ${describeError(error)}`),
      });
      this.#handles.set(definition.name, handle);
      const last = latest.get(definition.name);
      if (firstApply && definition.catchUp === 'once' && last) {
        const since = new Date(last.scheduledAt ?? last.startedAt);
        const missed = lastMissed(definition.spec, since, this.#options.clock.now());
        if (missed) void this.#fire(definition.name, 'catch-up', missed);
      }
    }
  }

  async #fire(name: string, trigger: JobTrigger, scheduledAt: Date): Promise<void> {
    if (this.#states.get(name)?.disabled) return;
    await this.run(name, trigger, scheduledAt).catch((error: unknown) => this.#options.log(`job ${name}: ${describeError(error)}`));
  }

  /** The jobs in force, in name order, with their next run, emergency stop and last run. */
  async list(): Promise<JobSummary[]> {
    const latest = await this.#options.repository.latest(this.#options.service);
    return [...this.#definitions.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((d) => ({
        name: d.name,
        kind: d.kind,
        schedule: describeSpec(d.spec),
        nextRun: this.#handles.get(d.name)?.nextRun()?.toISOString() ?? null,
        disabled: this.#states.get(d.name)?.disabled ?? false,
        running: (this.#running.get(d.name) ?? 0) > 0,
        lastRun: latest.get(d.name) ?? null,
      }));
  }

  #definition(name: string): JobDefinition {
    const definition = this.#definitions.get(name);
    if (!definition) {
      const known = [...this.#definitions.keys()].sort().join(', ') || 'none';
      throw new ApiError(404, 'not_found', `no job "${name}" in the plan in force (jobs: ${known})`);
    }
    return definition;
  }

  /**
   * Runs a job now (or when its schedule fires) and records the run: skipped when a run of it is still going
   * and it does not allow overlap, else each attempt up to its retries, with the last outcome recorded.
   */
  async run(name: string, trigger: JobTrigger, scheduledAt: Date | null = null): Promise<JobRunRecord> {
    const definition = this.#definition(name);
    const { clock, repository, service } = this.#options;
    const at = scheduledAt?.toISOString() ?? null;
    if ((this.#running.get(name) ?? 0) > 0 && !definition.overlap) {
      const now = clock.now().toISOString();
      return repository.record(service, {
        job: name, trigger, status: 'skipped', scheduledAt: at, startedAt: now, finishedAt: now, durationMs: 0, attempts: 0, exitCode: null,
        detail: 'the previous run was still going', output: '',
      });
    }
    this.#running.set(name, (this.#running.get(name) ?? 0) + 1);
    const started = clock.now();
    try {
      const { outcome, attempts } = await withRetries((_n) => this.#attempt(definition), (o) => o.status === 'succeeded', {
        policy: definition.retry,
        clock,
        signal: this.#stopper.signal,
      });
      const secrets = this.#options.secrets();
      const finished = clock.now();
      const record = await repository.record(service, {
        job: name, trigger, status: outcome.status, scheduledAt: at, startedAt: started.toISOString(), finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - started.getTime(), attempts, exitCode: outcome.exitCode,
        detail: redactSecrets(outcome.detail, secrets), output: redactSecrets(outcome.output, secrets),
      });
      if (record.status !== 'succeeded') this.#options.log(`job ${name} ${record.status} after ${attempts} attempt(s): ${record.detail}`);
      return record;
    } finally {
      this.#running.set(name, (this.#running.get(name) ?? 1) - 1);
    }
  }

  async #attempt(definition: JobDefinition): Promise<AttemptOutcome> {
    const ended = new AbortController();
    const timeout = new AbortController();
    let timedOut = false;
    void this.#options.clock.sleep(definition.timeoutMs, AbortSignal.any([this.#stopper.signal, ended.signal])).then(
      () => {
        timedOut = true;
        timeout.abort(new Error(`timed out after ${definition.timeoutMs}ms`));
      },
      () => undefined,
    );
    try {
      const outcome = await definition.attempt(AbortSignal.any([timeout.signal, this.#stopper.signal]));
      return timedOut && outcome.status !== 'succeeded' ? { ...outcome, status: 'timed_out', detail: `timed out after ${definition.timeoutMs}ms` } : outcome;
    } catch (error) {
      return { status: timedOut ? 'timed_out' : 'failed', exitCode: null, detail: describeError(error), output: '' };
    } finally {
      ended.abort();
    }
  }

  /** A job's runs, newest first. */
  async history(name: string, limit: number): Promise<JobRunRecord[]> {
    this.#definition(name);
    return this.#options.repository.history(this.#options.service, name, limit);
  }

  /** The emergency stop (or its end): kept in the store, so it holds across daemon restarts. */
  async setDisabled(name: string, disabled: boolean, by: string): Promise<JobState> {
    this.#definition(name);
    const state = await this.#options.repository.setDisabled(this.#options.service, name, disabled, by);
    this.#states.set(name, state);
    return state;
  }

  /** Stops every schedule and aborts runs in progress. */
  async stop(): Promise<void> {
    this.#stopper.abort(new Error('the daemon is stopping'));
    const handles = [...this.#handles.values()];
    this.#handles.clear();
    await Promise.all(handles.map((handle) => handle.stop()));
  }
}
