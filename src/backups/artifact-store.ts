/** The artifact store interface, alone: where backup bytes are kept (a local directory, S3-compatible storage). */
import type { Readable } from 'node:stream';

/** Keeps artifacts by key; every method streams, so memory stays flat whatever the size. */
export interface ArtifactStore {
  /** The store as the catalog records it: `dir:/abs/path` or `s3://bucket/prefix?endpoint=…&region=…`. */
  readonly location: string;
  /** Stores the stream under `key`; the key appears only once the whole stream is stored. */
  put(key: string, body: Readable, options: { signal?: AbortSignal }): Promise<void>;
  /** Opens the artifact under `key` for reading. */
  get(key: string, options: { signal?: AbortSignal }): Promise<Readable>;
  /** Deletes the artifact under `key`; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Releases connections; the store cannot be used afterwards. */
  close(): void;
}
