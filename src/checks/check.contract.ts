/** The suite every check kind runs against its real peer: result shape, prompt abort, no throwing, no secrets. */
import { describe, expect, it } from 'vitest';
import type { Check, CheckResult, CheckStatus } from './check.js';
import { runCheck } from './run-check.js';

/** One configured check and the status it must produce against the peer the test prepared. */
export interface ContractCase {
  check: Check;
  expect: CheckStatus;
  /** Strings that must never appear in the result (passwords, tokens). */
  secrets?: string[];
}

/** What {@link runCheckContract} needs: a name and a way to build a fresh check (called inside each test). */
export interface CheckContractOptions {
  name: string;
  create: () => Promise<ContractCase>;
}

/** Registers the shared check contract as a `describe` block in the calling test file. */
export function runCheckContract({ name, create }: CheckContractOptions): void {
  describe(`check contract: ${name}`, () => {
    it('returns a well-formed result with the expected status', async () => {
      const { check, expect: status, secrets } = await create();
      const result = await check.run({ signal: new AbortController().signal });
      expectWellFormed(result);
      expect(result.status, result.detail).toBe(status);
      expectNoSecrets(result, secrets);
    });

    it('can run again with the same outcome', async () => {
      const { check, expect: status } = await create();
      const first = await check.run({ signal: new AbortController().signal });
      const second = await check.run({ signal: new AbortController().signal });
      expect([first.status, second.status]).toEqual([status, status]);
    });

    it('returns an error promptly for an already-aborted signal', async () => {
      const { check, secrets } = await create();
      const started = performance.now();
      const result = await check.run({ signal: AbortSignal.abort() });
      expect(performance.now() - started).toBeLessThan(1000);
      expectWellFormed(result);
      expect(result.status).toBe('error');
      expectNoSecrets(result, secrets);
    });

    it('never throws, even under runCheck with a tiny timeout', async () => {
      const { check } = await create();
      const result = await runCheck(check, { timeoutMs: 1, retries: 1, retryDelayMs: 1 });
      expectWellFormed(result);
      expect(result.data?.attempts).toBeGreaterThanOrEqual(1);
    });

    it('names its kind', async () => {
      const { check } = await create();
      expect(check.kind).toMatch(/^[a-z][a-z0-9-]*$/);
    });
  });
}

function expectWellFormed(result: CheckResult): void {
  expect(['pass', 'fail', 'error']).toContain(result.status);
  expect(typeof result.detail).toBe('string');
  expect(result.detail.trim()).not.toBe('');
  expect(result.detail).not.toMatch(/\n/);
  expect(Number.isFinite(result.durationMs)).toBe(true);
  expect(result.durationMs).toBeGreaterThanOrEqual(0);
  if (result.data !== undefined) expect(() => JSON.stringify(result.data)).not.toThrow();
}

function expectNoSecrets(result: CheckResult, secrets: string[] = []): void {
  const text = JSON.stringify(result);
  for (const secret of secrets) expect(text, 'result leaks a secret').not.toContain(secret);
}
