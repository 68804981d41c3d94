/** The common frame of every check run: early abort, timing, exceptions turned into results, secrets redacted. */
import { describeError } from '../shared/errors.js';
import type { CheckResult, CheckStatus } from './check.js';
import { redactSecrets } from './redact.js';

/** What a probe body reports; {@link probe} adds the duration. */
export interface ProbeOutcome {
  status: CheckStatus;
  detail: string;
  data?: Record<string, unknown>;
}

/** Options of {@link probe}. */
export interface ProbeOptions {
  /** Literal secrets (passwords, tokens) scrubbed from the detail, in addition to URL credentials. */
  secrets?: readonly (string | undefined)[];
  /** Prefix for error details, such as `postgres 127.0.0.1:5432/app`. */
  label?: string;
  /**
   * Return as soon as the signal aborts (default). Bodies that must clean up first, such as killing a process
   * group, set this to false and resolve once they have.
   */
  raceAbort?: boolean;
}

/** Why a signal aborted, in a few words: `timed out after 10s`, or `aborted`. */
export function abortDetail(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError' && reason.message) return reason.message;
  return 'aborted';
}

/** Runs a probe body under the signal and always resolves to a well-formed result. */
export async function probe(
  signal: AbortSignal,
  body: (signal: AbortSignal) => Promise<ProbeOutcome>,
  options: ProbeOptions = {},
): Promise<CheckResult> {
  const started = performance.now();
  const finish = (outcome: ProbeOutcome): CheckResult => {
    const raw = options.label && outcome.status === 'error' ? `${options.label}: ${outcome.detail}` : outcome.detail;
    const detail = redactSecrets(oneLine(raw), options.secrets);
    const result: CheckResult = { status: outcome.status, detail, durationMs: elapsedSince(started) };
    if (outcome.data !== undefined) result.data = redactData(outcome.data, options.secrets);
    return result;
  };
  if (signal.aborted) return finish({ status: 'error', detail: abortDetail(signal) });
  let onAbort: (() => void) | undefined;
  try {
    const running = body(signal);
    if (options.raceAbort === false) return finish(await running);
    const aborted = new Promise<ProbeOutcome>((resolve) => {
      onAbort = () => resolve({ status: 'error', detail: abortDetail(signal) });
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return finish(await Promise.race([running, aborted]));
  } catch (error) {
    return finish({ status: 'error', detail: signal.aborted ? abortDetail(signal) : describeError(error) });
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** Milliseconds since a `performance.now()` reading, never negative. */
export function elapsedSince(started: number): number {
  return Math.max(0, Math.round(performance.now() - started));
}

/** Collapses whitespace runs so a detail stays on one line. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Redacts the top-level string values of result data (URLs, output tails), where secrets could slip in. */
function redactData(data: Record<string, unknown>, secrets: ProbeOptions['secrets']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) out[key] = typeof value === 'string' ? redactSecrets(value, secrets) : value;
  return out;
}
