import { describe, expect, it } from 'vitest';
import type { Check, CheckResult } from './check.js';
import { probe } from './probe.js';
import { DEFAULT_CHECK_TIMEOUT_MS, runCheck } from './run-check.js';

/** A check whose outcomes are scripted, one per run; the timing is real. */
function scripted(...steps: Array<CheckResult['status'] | 'throw' | 'hang' | 'ignore-abort'>): Check & { runs: number } {
  const check = {
    kind: 'scripted',
    runs: 0,
    run({ signal }: { signal: AbortSignal }): Promise<CheckResult> {
      const step = steps[Math.min(check.runs++, steps.length - 1)];
      if (step === 'throw') throw new Error('boom');
      if (step === 'ignore-abort') return new Promise(() => undefined);
      return probe(signal, async (signal) => {
        if (step === 'hang') await new Promise((resolve) => signal.addEventListener('abort', resolve));
        return { status: step === 'hang' ? 'pass' : (step as CheckResult['status']), detail: `run ${check.runs}` };
      });
    },
  };
  return check;
}

describe('runCheck', () => {
  it('has a 10s default timeout', () => {
    expect(DEFAULT_CHECK_TIMEOUT_MS).toBe(10_000);
  });

  it('a timeout of 25 days (over 2^31 ms) does not cut a 50 ms check short', async () => {
    const slow: Check = {
      kind: 'slow',
      run: ({ signal }) => probe(signal, async () => (await new Promise((resolve) => setTimeout(resolve, 50)), { status: 'pass', detail: 'slow but fine' })),
    };
    expect(await runCheck(slow, { timeoutMs: 25 * 24 * 60 * 60_000 })).toMatchObject({ status: 'pass', detail: 'slow but fine' });
  });

  it('returns the first pass with the number of attempts', async () => {
    const result = await runCheck(scripted('pass'));
    expect(result).toMatchObject({ status: 'pass', detail: 'run 1', data: { attempts: 1 } });
  });

  it('retries a fail or an error and records every attempt', async () => {
    const check = scripted('fail', 'error', 'pass');
    const result = await runCheck(check, { retries: 2, retryDelayMs: 5 });
    expect(result.status).toBe('pass');
    expect(result.data?.attempts).toBe(3);
    expect((result.data?.history as Array<{ status: string }>).map((a) => a.status)).toEqual(['fail', 'error', 'pass']);
  });

  it('stops after `retries` more attempts', async () => {
    const check = scripted('fail');
    const result = await runCheck(check, { retries: 2, retryDelayMs: 1 });
    expect(result).toMatchObject({ status: 'fail', detail: 'run 3', data: { attempts: 3 } });
    expect(check.runs).toBe(3);
  });

  it('turns an exception into an error result', async () => {
    expect(await runCheck(scripted('throw'))).toMatchObject({ status: 'error', detail: 'boom' });
  });

  it('times an attempt out through the signal', async () => {
    const started = performance.now();
    const result = await runCheck(scripted('hang'), { timeoutMs: 50 });
    expect(result).toMatchObject({ status: 'error', detail: 'timed out after 50ms' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('abandons a check that ignores its signal after the grace period', async () => {
    const started = performance.now();
    const result = await runCheck(scripted('ignore-abort'), { timeoutMs: 20, abortGraceMs: 50 });
    expect(result).toMatchObject({ status: 'error', detail: 'timed out after 20ms' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('returns an error at once for an already-aborted signal, without retrying', async () => {
    const check = scripted('hang');
    const result = await runCheck(check, { signal: AbortSignal.abort(), retries: 3 });
    expect(result).toMatchObject({ status: 'error', detail: 'aborted', data: { attempts: 1 } });
  });

  it('stops retrying when aborted between attempts', async () => {
    const controller = new AbortController();
    const check = scripted('fail');
    const pending = runCheck(check, { signal: controller.signal, retries: 5, retryDelayMs: 10_000 });
    setTimeout(() => controller.abort(), 30);
    const result = await pending;
    expect(result.status).toBe('fail');
    expect(check.runs).toBe(1);
  });

  it('replaces a malformed result from a misbehaving check', async () => {
    const bad: Check = { kind: 'bad', run: async () => ({ status: 'ok', detail: 1 }) as unknown as CheckResult };
    expect(await runCheck(bad)).toMatchObject({ status: 'error', detail: 'check returned a malformed result' });
  });
});
