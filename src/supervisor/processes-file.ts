/** `<stateDir>/processes.json`: every supervised process, so the next daemon can adopt or stop them. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ProcessRecord, VersionSpec } from './types.js';

/** Contents of processes.json: each running version's spec (to restart its instances) and its processes. */
export interface ProcessesSnapshot {
  format: 1;
  versions: Array<{ spec: VersionSpec; processes: ProcessRecord[] }>;
}

/** An empty snapshot. */
export const EMPTY_SNAPSHOT: ProcessesSnapshot = { format: 1, versions: [] };

function isSnapshot(value: unknown): value is ProcessesSnapshot {
  const candidate = value as ProcessesSnapshot | null;
  return candidate?.format === 1 && Array.isArray(candidate.versions) && candidate.versions.every((v) => typeof v.spec?.version === 'string' && Array.isArray(v.processes));
}

/** Reads the file; a missing one is empty, an unreadable one is set aside as `.corrupt` and read as empty. */
export async function readProcessesFile(path: string): Promise<ProcessesSnapshot> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_SNAPSHOT;
    throw new Error(`read ${path}`, { cause: error });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (isSnapshot(parsed)) return parsed;
  } catch {
    // fall through: treated like a file of the wrong shape
  }
  await rename(path, `${path}.corrupt`).catch(() => undefined);
  return EMPTY_SNAPSHOT;
}

/** Writes snapshots atomically (temp file + rename), coalescing bursts so the latest state always lands last. */
export class ProcessesFileWriter {
  readonly #path: string;
  readonly #snapshot: () => ProcessesSnapshot;
  #chain: Promise<void> = Promise.resolve();
  #dirty = false;
  /** The last write error; saving never throws at the caller. */
  lastError: Error | undefined;

  constructor(path: string, snapshot: () => ProcessesSnapshot) {
    this.#path = path;
    this.#snapshot = snapshot;
  }

  /** Schedules a write of the current state and resolves once a write that includes it finished. */
  save(): Promise<void> {
    this.#dirty = true;
    this.#chain = this.#chain.then(() => this.#writeIfDirty());
    return this.#chain;
  }

  async #writeIfDirty(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const temp = `${this.#path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.#path), { recursive: true });
      await writeFile(temp, `${JSON.stringify(this.#snapshot(), null, 2)}\n`, { mode: 0o600 });
      await rename(temp, this.#path);
    } catch (error) {
      this.lastError = error as Error;
    }
  }
}
