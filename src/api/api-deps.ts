/** What the API needs from the daemon: the store, the tokens, live events, status, metrics and shutdown. */
import type { StoredEvent, Store } from '../store/index.js';
import type { StatusDocument } from './contract.js';
import type { ApiTokens } from './tokens.js';

export interface ApiDeps {
  service: string;
  store: Store;
  tokens: ApiTokens;
  startedAt: Date;
  /** glidepath's own version, reported by /health. */
  glidepathVersion: string;
  /** Live events as they are recorded; returns the unsubscribe function. */
  subscribe(listener: (event: StoredEvent) => void): () => void;
  status(): Promise<StatusDocument>;
  /** Prometheus exposition text and its content type. */
  metrics(): Promise<{ contentType: string; text: string }>;
  /** Stops the daemon after the answer is sent. */
  shutdown(): void;
}
