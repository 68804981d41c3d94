/** One attempt of a plan job: its command (argv, no shell unless asked) or its HTTP call. */
import { isAbsolute, resolve } from 'node:path';
import { runCommand } from '../exec/run-command.js';
import { OUTPUT_TAIL_CHARS } from '../exec/output-tail.js';
import type { JobConfig } from '../plan/schema/jobs.js';
import { describeError } from '../shared/errors.js';
import type { AttemptOutcome } from './job-definition.js';

async function runJobCommand(job: JobConfig & { run: string }, planDir: string, signal: AbortSignal, timeoutMs: number): Promise<AttemptOutcome> {
  const cwd = job.cwd === undefined ? planDir : isAbsolute(job.cwd) ? job.cwd : resolve(planDir, job.cwd);
  const outcome = await runCommand({ command: job.run, shell: job.shell, cwd, env: job.env, timeoutMs, signal });
  if (outcome.spawnError) return { status: 'failed', exitCode: null, detail: outcome.spawnError, output: outcome.tail };
  if (outcome.timedOut) return { status: 'timed_out', exitCode: outcome.exitCode, detail: `timed out after ${timeoutMs}ms`, output: outcome.tail };
  if (outcome.aborted) return { status: 'failed', exitCode: outcome.exitCode, detail: 'stopped with the daemon', output: outcome.tail };
  const ended = outcome.exitCode === null ? `killed by ${outcome.signal ?? 'a signal'}` : `exit ${outcome.exitCode}`;
  return { status: outcome.exitCode === 0 ? 'succeeded' : 'failed', exitCode: outcome.exitCode, detail: ended, output: outcome.tail };
}

async function callJobUrl(http: NonNullable<JobConfig['http']>, signal: AbortSignal, timeoutMs: number): Promise<AttemptOutcome> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(http.url, { method: http.method, headers: http.headers, body: http.body, signal: AbortSignal.any([signal, timeout]) });
    const text = await response.text();
    const detail = `HTTP ${response.status} from ${http.method} ${new URL(http.url).origin}${new URL(http.url).pathname}`;
    return { status: response.ok ? 'succeeded' : 'failed', exitCode: null, detail, output: text.slice(-OUTPUT_TAIL_CHARS) };
  } catch (error) {
    if (timeout.aborted) return { status: 'timed_out', exitCode: null, detail: `timed out after ${timeoutMs}ms`, output: '' };
    return { status: 'failed', exitCode: null, detail: `${http.method} ${http.url}: ${describeError(error)}`, output: '' };
  }
}

/** Runs one attempt of `job` with its timeout; failures are outcomes, never exceptions. */
export function attemptPlanJob(job: JobConfig, planDir: string, signal: AbortSignal): Promise<AttemptOutcome> {
  if (job.run !== undefined) return runJobCommand({ ...job, run: job.run }, planDir, signal, job.timeout);
  if (job.http !== undefined) return callJobUrl(job.http, signal, job.timeout);
  return Promise.resolve({ status: 'failed', exitCode: null, detail: 'the job has neither run nor http', output: '' });
}
