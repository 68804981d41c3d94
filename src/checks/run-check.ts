/** Runs a check the way plans ask for it: with a timeout, retries and cancellation, never throwing. */
import { formatDuration } from '../shared/duration.js';
import { describeError } from '../shared/errors.js';
import { setLongTimeout } from '../shared/long-timer.js';
import type { Check, CheckResult, CheckStatus } from './check.js';
import { elapsedSince, oneLine } from './probe.js';

/** Timeout of one attempt when the plan sets none. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;
/** Attempts after the first when the plan sets none. */
export const DEFAULT_CHECK_RETRIES = 0;
/** Pause between attempts when the caller sets none. */
export const DEFAULT_CHECK_RETRY_DELAY_MS = 1_000;
/** How long a check may take to clean up (kill its process, close its socket) after its signal aborts. */
export const CHECK_ABORT_GRACE_MS = 5_000;

/** How {@link runCheck} runs a check. */
export interface RunCheckOptions {
  timeoutMs?: number;
  retries?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
  /** How long to wait for a check to wind down after an abort before abandoning it. */
  abortGraceMs?: number;
}

/** One attempt as recorded in `data.history` of a retried result. */
export interface CheckAttempt {
  status: CheckStatus;
  detail: string;
  durationMs: number;
}

/** Runs a check with a per-attempt timeout and up to `retries` more attempts after a fail or error. */
export async function runCheck(check: Check, options: RunCheckOptions = {}): Promise<CheckResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const retries = Math.max(0, Math.floor(options.retries ?? DEFAULT_CHECK_RETRIES));
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_CHECK_RETRY_DELAY_MS;
  const history: CheckAttempt[] = [];
  for (let attempt = 0; ; attempt++) {
    const result = await runAttempt(check, timeoutMs, options.signal, options.abortGraceMs ?? CHECK_ABORT_GRACE_MS);
    history.push({ status: result.status, detail: result.detail, durationMs: result.durationMs });
    const last = result.status === 'pass' || attempt >= retries || options.signal?.aborted === true;
    if (last || !(await pause(retryDelayMs, options.signal))) {
      const data: Record<string, unknown> = { ...result.data, attempts: history.length };
      if (history.length > 1) data.history = history;
      return { ...result, data };
    }
  }
}

async function runAttempt(
  check: Check,
  timeoutMs: number,
  outer: AbortSignal | undefined,
  graceMs: number,
): Promise<CheckResult> {
  const started = performance.now();
  // A controller of our own rather than AbortSignal.any/timeout: the outer signal may live as long as the
  // daemon, and every listener added to it here is removed again when the attempt ends.
  const controller = new AbortController();
  const timedOut = `timed out after ${formatDuration(timeoutMs)}`;
  const timer = setLongTimeout(() => controller.abort(timeoutError(timedOut)), timeoutMs);
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  let graceTimer: NodeJS.Timeout | undefined;
  try {
    const running = Promise.resolve()
      .then(() => check.run({ signal: controller.signal }))
      .then(
        (result) => validResult(result, started),
        (error: unknown) => errorResult(describeError(error), started),
      );
    // A check that ignores its signal is abandoned (not awaited forever) once the grace period is over.
    const abandoned = new Promise<CheckResult>((resolve) => {
      const giveUp = () => {
        graceTimer = setTimeout(() => resolve(errorResult('did not stop after abort', started)), graceMs);
      };
      if (controller.signal.aborted) giveUp();
      else controller.signal.addEventListener('abort', giveUp, { once: true });
    });
    const result = await Promise.race([running, abandoned]);
    if (result.status === 'pass') return result;
    // A check that noticed the abort says so in its own words (with its label); others get ours.
    const reason = controller.signal.reason instanceof Error && controller.signal.reason.name === 'TimeoutError' ? timedOut : 'aborted';
    if (!controller.signal.aborted) return result;
    return { ...result, status: 'error', detail: result.detail.includes(reason) ? result.detail : reason };
  } finally {
    timer.clear();
    clearTimeout(graceTimer);
    outer?.removeEventListener('abort', forward);
  }
}

function timeoutError(message: string): Error {
  const error = new Error(message);
  error.name = 'TimeoutError';
  return error;
}

function errorResult(detail: string, started: number): CheckResult {
  return { status: 'error', detail: oneLine(detail), durationMs: elapsedSince(started) };
}

const STATUSES: readonly string[] = ['pass', 'fail', 'error'];

function validResult(result: unknown, started: number): CheckResult {
  const candidate = result as Partial<CheckResult> | null | undefined;
  if (
    !candidate ||
    !STATUSES.includes(candidate.status as string) ||
    typeof candidate.detail !== 'string' ||
    typeof candidate.durationMs !== 'number' ||
    !(candidate.durationMs >= 0)
  ) {
    return errorResult('check returned a malformed result', started);
  }
  return candidate as CheckResult;
}

/** Waits between attempts; false when the signal aborted meanwhile. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      timer.clear();
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => done(false);
    const timer = setLongTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
