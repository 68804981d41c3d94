/** The interface every check kind implements; the engine and the implementations import only this. */

/** The outcome of one check run. */
export type CheckStatus = 'pass' | 'fail' | 'error';

/**
 * Outcome of one probe. `fail`: the peer answered wrongly; `error`: the probe itself could not be made.
 * A peer that refuses or drops the connection counts as `fail` (it is down); `error` is kept for probes glidepath
 * could not complete: aborted, timed out, misconfigured at run time, a program that is missing.
 */
export interface CheckResult {
  status: CheckStatus;
  /** One line a person can read: what was seen, and against what expectation. */
  detail: string;
  /** Time the probe took (the last attempt when retried). */
  durationMs: number;
  /** Structured evidence (status code, days left, output tail …) kept in records. */
  data?: Record<string, unknown>;
}

/** Values glidepath fills into `{placeholders}` of a check's configuration at run time. */
export type CheckVariables = Readonly<Record<string, string>>;

/** What each run of a check receives; the signal aborts it (timeout, shutdown, a cancelled release). */
export interface CheckRunContext {
  signal: AbortSignal;
}

/** A configured probe, ready to run any number of times. */
export interface Check {
  readonly kind: string;
  run(context: CheckRunContext): Promise<CheckResult>;
}

/** What a check factory may use besides its configuration. */
export interface CheckDeps {
  /** Directory relative paths are resolved against (the plan's directory). */
  cwd: string;
  /** `{url}`, `{service_url}`, `{version}` … already known when the check is created. */
  variables: CheckVariables;
}

/** Builds a check of one kind from its parsed configuration; throws only for unusable input. */
export type CheckFactory<Config> = (config: Config, deps: CheckDeps) => Check;
