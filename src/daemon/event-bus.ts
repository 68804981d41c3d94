/** Records events in the store and tells live listeners (the SSE stream) once they are committed. */
import { EventEmitter } from 'node:events';
import type { NewEvent, Store, StoredEvent } from '../store/index.js';

/** Records events durably, then hands them to live subscribers. */
export class EventBus {
  readonly #store: Store;
  readonly #emitter = new EventEmitter();

  constructor(store: Store) {
    this.#store = store;
    this.#emitter.setMaxListeners(0);
  }

  /** Appends durably, then publishes; a listener never sees an event the store could lose. */
  async record(event: NewEvent): Promise<StoredEvent> {
    const stored = await this.#store.events.append(event);
    this.#emitter.emit('event', stored);
    return stored;
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }
}
