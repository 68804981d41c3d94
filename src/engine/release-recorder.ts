/**
 * Writes a release's progress: steps (persisted before acting, updated after), the release row's status and state,
 * and an event for every transition. Writes go through one queue so they land in the order they were made.
 */
import type { Clock } from '../shared/clock.js';
import type { JsonObject, NewEvent, Release, ReleaseStatus, ReleaseStep, StepStatus, Store } from '../store/index.js';
import { type ReleaseState, stateJson } from './release-state.js';

/** Where events go: durably appended, then published (the daemon's EventBus). */
export interface EventSink {
  record(event: NewEvent): Promise<unknown>;
}

/** A step in progress. */
export interface StepHandle {
  id: string;
  position: number;
  kind: string;
}

/** The persistence of one release. */
export class ReleaseRecorder {
  readonly release: Release;
  readonly #store: Store;
  readonly #events: EventSink;
  readonly #clock: Clock;
  #queue: Promise<unknown> = Promise.resolve();
  #position: number;
  #status: ReleaseStatus;

  private constructor(store: Store, events: EventSink, clock: Clock, release: Release, position: number) {
    this.#store = store;
    this.#events = events;
    this.#clock = clock;
    this.release = release;
    this.#position = position;
    this.#status = release.status;
  }

  /** A recorder for a release; steps left `running` by a crash are marked aborted and interrupted. */
  static async open(store: Store, events: EventSink, clock: Clock, release: Release): Promise<ReleaseRecorder> {
    const steps = await store.steps.listForRelease(release.id);
    for (const step of steps.filter((s) => s.status === 'running')) {
      await store.steps.update(step.id, { status: 'aborted', finishedAt: clock.now().toISOString(), detail: { ...step.detail, interrupted: true } });
    }
    const next = steps.reduce((max, step) => Math.max(max, step.position), -1) + 1;
    return new ReleaseRecorder(store, events, clock, release, next);
  }

  get id(): string {
    return this.release.id;
  }

  /** The status last written. */
  get status(): ReleaseStatus {
    return this.#status;
  }

  /** Records a step as running (before the action it stands for) and makes it the release's current step. */
  beginStep(kind: string, detail: JsonObject = {}): Promise<StepHandle> {
    return this.#serial(async () => {
      const position = this.#position++;
      const startedAt = this.#now();
      const step = await this.#store.steps.add(this.id, { position, kind, status: 'running', startedAt, detail });
      await this.#store.releases.update(this.id, { currentStep: position });
      await this.#event('step.started', { position, kind, detail });
      return { id: step.id, position, kind };
    });
  }

  /** Records how a step ended; `detail` is merged into what the step had. */
  endStep(handle: StepHandle, status: StepStatus, detail: JsonObject = {}): Promise<ReleaseStep> {
    return this.#serial(async () => {
      const current = (await this.#store.steps.listForRelease(this.id)).find((s) => s.id === handle.id);
      const step = await this.#store.steps.update(handle.id, { status, finishedAt: this.#now(), detail: { ...current?.detail, ...detail } });
      await this.#event('step.finished', { position: handle.position, kind: handle.kind, status, detail: step.detail });
      return step;
    });
  }

  /** Records a step that happened at once (skipped, or a steering action). */
  async instantStep(kind: string, status: StepStatus, detail: JsonObject = {}): Promise<void> {
    const handle = await this.beginStep(kind, detail);
    await this.endStep(handle, status);
  }

  /** Moves the release to a status (no write when it is already there). */
  setStatus(status: ReleaseStatus, reason?: string | null): Promise<void> {
    return this.#serial(async () => {
      if (status === this.#status && reason === undefined) return;
      this.#status = status;
      await this.#store.releases.update(this.id, { status, ...(reason !== undefined && { reason }) });
      await this.#event('release.status', { status, reason: reason ?? null });
    });
  }

  /** Persists the engine's resumable state. */
  saveState(state: ReleaseState): Promise<void> {
    const snapshot = stateJson(structuredClone(state));
    return this.#serial(async () => {
      await this.#store.releases.update(this.id, { state: snapshot });
    });
  }

  /** Ends the release in a terminal status with its reason and final state. */
  finish(status: ReleaseStatus, reason: string | null, state: ReleaseState): Promise<void> {
    const snapshot = stateJson(structuredClone(state));
    return this.#serial(async () => {
      // A step the release ended in the middle of (a pause cut short by a rollback) ends with it, never left running.
      for (const step of await this.#store.steps.listForRelease(this.id)) {
        if (step.status !== 'running') continue;
        const ended = await this.#store.steps.update(step.id, { status: 'aborted', finishedAt: this.#now(), detail: { ...step.detail, interrupted: true, endedBy: status } });
        await this.#event('step.finished', { position: ended.position, kind: ended.kind, status: 'aborted', detail: ended.detail });
      }
      this.#status = status;
      await this.#store.releases.update(this.id, { status, reason, finishedAt: this.#now(), state: snapshot });
      await this.#event('release.finished', { status, reason });
    });
  }

  /** Records an event of this release. */
  event(type: string, data: JsonObject = {}): Promise<void> {
    return this.#serial(() => this.#event(type, data));
  }

  /** Resolves once every write made so far has landed. */
  flush(): Promise<void> {
    return this.#serial(async () => undefined);
  }

  async #event(type: string, data: JsonObject): Promise<void> {
    await this.#events.record({ service: this.release.service, releaseId: this.id, type, data, at: this.#now() });
  }

  #now(): string {
    return this.#clock.now().toISOString();
  }

  #serial<T>(write: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(write, write);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
