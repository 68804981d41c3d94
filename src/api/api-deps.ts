/** What the API needs from the daemon: the store, the tokens, live events, status, metrics and shutdown. */
import type { StoredEvent, Store } from '../store/index.js';
import type { StatusDocument, TrafficDocument } from './contract.js';
import type { ApiTokens } from './tokens.js';

/** Steering releases: what the engine offers the API (undefined when the plan has no target). */
export interface ReleaseControl {
  /** Starts a release and returns once it is recorded; its progress follows as events. */
  deploy(version: string, options: { owner: string; yes: boolean; notes?: string; participants?: string[]; retryOf?: string; plan?: { file?: string; text?: string } }): Promise<{ id: string }>;
  promote(by: string): Promise<void>;
  pause(by: string): Promise<void>;
  resume(by: string): Promise<void>;
  abort(by: string): Promise<void>;
  /** Rolls a finished release back (to the previous version, or `to`); resolves with the rollback's release id. */
  rollback(options: { to?: string; by: string }): Promise<{ id: string }>;
}

/** What the API routes need from the daemon. */
export interface ApiDeps {
  service: string;
  /** Absolute path of the plan file the daemon started with; its directory is the project's. */
  planFile?: string;
  store: Store;
  tokens: ApiTokens;
  startedAt: Date;
  /** glidepath's own version, reported by /health. */
  glidepathVersion: string;
  /** Live events as they are recorded; returns the unsubscribe function. */
  subscribe(listener: (event: StoredEvent) => void): () => void;
  status(): Promise<StatusDocument>;
  /** Live share and metrics of each running version. */
  traffic(): Promise<TrafficDocument>;
  releases?: ReleaseControl;
  /** Prometheus exposition text and its content type. */
  metrics(): Promise<{ contentType: string; text: string }>;
  /** Stops the daemon after the answer is sent; with `keepServing`, what serves (proxy, versions) stays running. */
  shutdown(options?: { keepServing?: boolean }): void;
  /** Where every 5xx answer is logged with its cause. */
  logger?: { error(fields: Record<string, unknown>, msg: string): void };
}
