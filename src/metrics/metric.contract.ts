/** The suite every metric provider runs against its real peer: sample shape, no throwing, prompt abort, errors as values. */
import { describe, expect, it } from 'vitest';
import type { MetricProvider, MetricSample, MetricSubject } from './metric.js';

/** One configured provider, the subject to measure, and what the test's peer makes it read. */
export interface MetricContractCase {
  provider: MetricProvider;
  subject: MetricSubject;
  /** The kind of sample the peer yields. */
  expect: MetricSample['kind'];
  /** The same provider pointed at a source that cannot be read (a closed port, a version not running). */
  unreachable: MetricProvider;
  /** Strings that must never appear in a sample (passwords, tokens). */
  secrets?: string[];
}

/** What {@link runMetricContract} needs: a name and a way to build a fresh case (called inside each test). */
export interface MetricContractOptions {
  name: string;
  create: () => Promise<MetricContractCase>;
}

const live = () => ({ signal: new AbortController().signal });

/** Registers the shared metric provider contract as a `describe` block in the calling test file. */
export function runMetricContract({ name, create }: MetricContractOptions): void {
  describe(`metric provider contract: ${name}`, () => {
    it('returns a well-formed sample of the expected kind, and the same kind again', async () => {
      const { provider, subject, expect: kind, secrets } = await create();
      const first = await provider.measure(subject, live());
      expectWellFormed(first, secrets);
      expect(first.kind, JSON.stringify(first)).toBe(kind);
      expect((await provider.measure(subject, live())).kind).toBe(kind);
    });

    it('reads an unreachable source as an error (a check that could not run), never a value or a pass', async () => {
      const { unreachable, subject, secrets } = await create();
      const sample = await unreachable.measure(subject, live());
      expectWellFormed(sample, secrets);
      const unread = sample.kind === 'error' || (sample.kind === 'check' && sample.status === 'error');
      expect(unread, JSON.stringify(sample)).toBe(true);
    });

    it('returns an error promptly for an already-aborted signal, without throwing', async () => {
      const { provider, subject } = await create();
      const started = performance.now();
      const sample = await provider.measure(subject, { signal: AbortSignal.abort() });
      expect(performance.now() - started).toBeLessThan(1000);
      expectWellFormed(sample);
      expect(sample.kind).toBe('error');
    });

    it('names its source by its plan key', async () => {
      const { provider } = await create();
      expect(['metric', 'check', 'compare', 'prometheus', 'published']).toContain(provider.kind);
    });
  });
}

function expectWellFormed(sample: MetricSample, secrets: string[] = []): void {
  expect(['value', 'check', 'compare', 'counters', 'error']).toContain(sample.kind);
  if (sample.kind === 'error' || sample.kind === 'check') {
    expect(sample.detail.trim()).not.toBe('');
    expect(sample.detail).not.toMatch(/\n/);
  }
  if (sample.kind === 'value') {
    expect(sample.value === null || Number.isFinite(sample.value)).toBe(true);
    expect(Number.isInteger(sample.samples) && sample.samples >= 0).toBe(true);
  }
  const text = JSON.stringify(sample);
  for (const secret of secrets) expect(text, 'sample leaks a secret').not.toContain(secret);
}
