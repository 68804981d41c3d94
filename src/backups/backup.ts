/** The backup driver interface, alone: the runner and the implementations both depend on it, never on each other. */
import type { Readable } from 'node:stream';

/** What every driver call gets. */
export interface DriverCallOptions {
  signal?: AbortSignal;
  /** Directory for scratch files (a restore with parallel jobs, a SQLite copy); the OS temp dir when absent. */
  tempDir?: string;
}

/** A new artifact's bytes as they are produced. */
export interface DumpStream {
  readonly stream: Readable;
  /** Settles when the producer has finished: rejects when it failed, even if the stream ended cleanly. */
  readonly done: Promise<void>;
}

/** An integrity or drill verdict: a value, not an exception. */
export interface DriverVerdict {
  status: 'pass' | 'fail';
  detail: string;
}

/** Opens the artifact's bytes again (a driver may need them more than once, or as a file). */
export type OpenArtifact = () => Promise<Readable>;

/** One kind of backup source (postgres, sqlite, files, http): dump, inspect, restore. */
export interface BackupDriver {
  readonly kind: string;
  /** File name ending of its artifacts, such as `dump` or `tar.gz`. */
  readonly extension: string;
  /** Where the source lives (URL or absolute path): the restore target when none is named. */
  readonly location: string;
  /** Whether a restore without a named target goes back into `location` (an http snapshot restores to a file). */
  readonly inPlace: boolean;
  /** Starts producing an artifact of the source, streamed. */
  dump(options: DriverCallOptions): Promise<DumpStream>;
  /** Checks the artifact's structure while reading it; it must read the stream to its end. */
  inspect(artifact: Readable, options: DriverCallOptions): Promise<DriverVerdict>;
  /** Whether `target` already holds data a restore would overwrite. */
  targetHasData(target: string, options: DriverCallOptions): Promise<boolean>;
  /** Restores the artifact into `target`, replacing what is there. */
  restore(open: OpenArtifact, target: string, options: DriverCallOptions): Promise<void>;
  /** A driver of the same kind whose source is `target` (for a safety backup), or undefined when it cannot dump one. */
  forTarget(target: string): BackupDriver | undefined;
}
