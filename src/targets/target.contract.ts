/**
 * The contract every target meets, whatever it drives: versions start without traffic and are listed ready, a
 * split is applied in one change and read back (or answered `unsupported`), a version that cannot start fails as a
 * value, a stopped version leaves the list and can get no traffic, and each optional capability it has works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEIGHTS_UNSUPPORTED, type Target, type TargetEvent } from './target.js';

/** A target to test, with the versions it can start. */
export interface TargetUnderContract {
  target: Target;
  /** Two versions that start and become ready. */
  good: [string, string];
  /** A version that cannot start (its start command fails, or it never becomes ready). */
  failing: string;
  /** Whether the target must read weights back (`unsupported` is then a failure). */
  readsBackWeights: boolean;
  /** Removes what setup made, after the target is closed. */
  cleanup?: () => Promise<void>;
}

/** Runs the target contract; `setup` creates a fresh target over fresh state. */
export function runTargetContract(name: string, setup: () => Promise<TargetUnderContract>): void {
  describe(`target contract: ${name}`, () => {
    let subject: TargetUnderContract;
    let target: Target;
    const events: TargetEvent[] = [];
    let unsubscribe: () => void = () => undefined;

    beforeAll(async () => {
      subject = await setup();
      target = subject.target;
      unsubscribe = target.onEvent((event) => events.push(event));
    });
    afterAll(async () => {
      unsubscribe();
      await target?.close();
      await subject?.cleanup?.();
    });

    const readBack = async (expected: Record<string, number>) => {
      const applied = await target.currentWeights();
      if (applied === WEIGHTS_UNSUPPORTED) {
        expect(subject.readsBackWeights, `${name} answered "unsupported" to a read-back`).toBe(false);
        return;
      }
      const nonZero = Object.fromEntries(Object.entries(applied).filter(([, share]) => share > 0));
      expect(nonZero).toEqual(Object.fromEntries(Object.entries(expected).filter(([, share]) => share > 0)));
    };
    const listed = (version: string) => target.versions().find((v) => v.version === version);

    it('has a type and a service address', () => {
      expect(target.type).toMatch(/^[a-z]+$/);
      expect(() => new URL(target.serviceUrl)).not.toThrow();
    });

    it('starts a version without traffic and lists it ready', async () => {
      const [first] = subject.good;
      const outcome = await target.startVersion(first, {});
      expect(outcome).toMatchObject({ status: 'ready', version: first });
      expect(listed(first)).toMatchObject({ version: first, state: 'ready', weight: 0 });
    });

    it('starting a version that is already ready answers ready again', async () => {
      expect(await target.startVersion(subject.good[0], {})).toMatchObject({ status: 'ready', version: subject.good[0] });
      expect(target.versions().filter((v) => v.version === subject.good[0])).toHaveLength(1);
    });

    it('routes all traffic to one version, and reads the split back', async () => {
      const [first] = subject.good;
      await target.setWeights({ [first]: 100 });
      expect(listed(first)?.weight).toBe(100);
      await readBack({ [first]: 100 });
    });

    it('splits traffic between two versions in one change, and reads it back', async () => {
      const [first, second] = subject.good;
      expect(await target.startVersion(second, {})).toMatchObject({ status: 'ready', version: second });
      expect(listed(second)?.weight).toBe(0);
      await target.setWeights({ [first]: 90, [second]: 10 });
      expect(listed(first)?.weight).toBe(90);
      expect(listed(second)?.weight).toBe(10);
      await readBack({ [first]: 90, [second]: 10 });
    });

    it('refuses to route to a version it does not run, and keeps the split', async () => {
      const [first, second] = subject.good;
      await expect(target.setWeights({ 'never-started': 100 })).rejects.toThrow(/never-started/);
      expect(listed(first)?.weight).toBe(90);
      await readBack({ [first]: 90, [second]: 10 });
    });

    it('reports a version that cannot start as a failed outcome, and does not list it', async () => {
      const outcome = await target.startVersion(subject.failing, {});
      expect(outcome).toMatchObject({ status: 'failed', version: subject.failing });
      expect(outcome.status === 'failed' && outcome.reason.length).toBeGreaterThan(0);
      expect(listed(subject.failing)).toBeUndefined();
    });

    it('observes each version it runs when it has built-in metrics, and no version it does not', async () => {
      if (!target.metrics) return;
      const metrics = await target.metrics(subject.good[0], 1000);
      expect(metrics).toMatchObject({ version: subject.good[0] });
      expect(metrics?.requests).toBeGreaterThanOrEqual(0);
      expect(await target.metrics('never-started', 1000)).toBeUndefined();
    });

    it('stops a version after traffic left it: it leaves the list and can get no traffic', async () => {
      const [first, second] = subject.good;
      await target.setWeights({ [second]: 100 });
      await readBack({ [second]: 100 });
      await target.stopVersion(first, { drainMs: 200 });
      expect(listed(first)).toBeUndefined();
      expect(listed(second)).toMatchObject({ state: 'ready', weight: 100 });
      await expect(target.setWeights({ [first]: 100 })).rejects.toThrow();
    });

    it('stopping a version it does not run changes nothing', async () => {
      await target.stopVersion('never-started', {});
      expect(target.versions().map((v) => v.version)).toEqual([subject.good[1]]);
    });
  });
}
