/** The version a blue-green release replaced, kept running for `keepOld` so a rollback is instant, then stopped. */
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/index.js';
import type { Target } from '../targets/target.js';
import { type EventSink, ReleaseRecorder } from './release-recorder.js';
import { stopVersionStep } from './traffic.js';

/** What stopping a warm version needs. */
export interface WarmVersionDeps {
  store: Store;
  events: EventSink;
  clock: Clock;
  target: Target;
  drainMs: number | undefined;
}

/** A replaced version that stays warm until a deadline; its stop is recorded as a step of the release that replaced it. */
export class WarmVersion {
  readonly version: string;
  readonly releaseId: string;
  readonly until: string;
  readonly #deps: WarmVersionDeps;
  readonly #timer = new AbortController();
  #waiting: Promise<void> | undefined;

  constructor(deps: WarmVersionDeps, kept: { version: string; releaseId: string; until: string }) {
    this.#deps = deps;
    this.version = kept.version;
    this.releaseId = kept.releaseId;
    this.until = kept.until;
  }

  /** Stops the version once its deadline passes (at once when it already has). */
  schedule(): void {
    this.#waiting ??= (async () => {
      const { clock } = this.#deps;
      try {
        await clock.sleep(Math.max(0, Date.parse(this.until) - clock.now().getTime()), this.#timer.signal);
      } catch {
        return;
      }
      await this.#stop('keepOld elapsed');
    })();
  }

  /** Stops the version now (a new release starts and the warm one would linger). */
  async stopNow(reason: string): Promise<void> {
    await this.cancel();
    await this.#stop(reason);
  }

  /** Forgets the deadline without stopping the version (a rollback made it serve again, or the engine closes). */
  async cancel(): Promise<void> {
    this.#timer.abort(new Error('cancelled'));
    await this.#waiting;
  }

  async #stop(reason: string): Promise<void> {
    const { store, events, clock, target, drainMs } = this.#deps;
    if (!target.versions().some((v) => v.version === this.version)) return;
    const release = await store.releases.get(this.releaseId);
    if (!release) return;
    const recorder = await ReleaseRecorder.open(store, events, clock, release);
    await stopVersionStep({ recorder, target, drainMs }, this.version, { reason });
  }
}
