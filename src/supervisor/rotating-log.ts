/** An append-only log file rotated by size: `x.log`, `x.log.1` … `x.log.(maxFiles-1)`, oldest dropped. */
import { mkdir, open, rename, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** How big a log file may grow and how many files (the current one included) are kept. */
export interface LogRotation {
  maxBytes: number;
  maxFiles: number;
}

/** 10 MiB × 3 files per instance. */
export const DEFAULT_LOG_ROTATION: LogRotation = { maxBytes: 10 * 1024 * 1024, maxFiles: 3 };

/** Buffered bytes past which `write` asks the producer to pause. */
const HIGH_WATER_BYTES = 1024 * 1024;

/** Path of the n-th file of a rotated log (0 is the current one). */
export function rotatedPath(path: string, n: number): string {
  return n === 0 ? path : `${path}.${n}`;
}

/** Writes lines in order, off the caller's turn; rotation happens between lines, so no line is split. */
export class RotatingLog {
  readonly #path: string;
  readonly #rotation: LogRotation;
  #handle: FileHandle | undefined;
  #size = 0;
  #pending: string[] = [];
  #pendingBytes = 0;
  #flushing: Promise<void> | undefined;
  #closed = false;
  /** The last write error (disk full, say); logging never throws at the caller. */
  lastError: Error | undefined;

  constructor(path: string, rotation: LogRotation = DEFAULT_LOG_ROTATION) {
    this.#path = path;
    this.#rotation = { maxBytes: Math.max(1, rotation.maxBytes), maxFiles: Math.max(1, rotation.maxFiles) };
  }

  /** Queues a complete line (without its newline); false when the buffer is full and the producer should wait. */
  writeLine(line: string): boolean {
    if (this.#closed) return true;
    const text = `${line}\n`;
    this.#pending.push(text);
    this.#pendingBytes += Buffer.byteLength(text);
    this.#flushing ??= this.#flush().finally(() => (this.#flushing = undefined));
    return this.#pendingBytes < HIGH_WATER_BYTES;
  }

  /** Resolves once everything queued so far is written. */
  async drained(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  /** Writes what is queued and closes the file; later lines are ignored. */
  async close(): Promise<void> {
    await this.drained();
    this.#closed = true;
    await this.#handle?.close().catch(() => undefined);
    this.#handle = undefined;
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch: string[] = [];
      let bytes = 0;
      try {
        const handle = await this.#open();
        // Take lines up to the size limit; a line alone larger than the limit still goes into a file of its own.
        while (this.#pending.length > 0) {
          const length = Buffer.byteLength(this.#pending[0] as string);
          if (this.#size + bytes + length > this.#rotation.maxBytes && this.#size + bytes > 0) break;
          batch.push(this.#pending.shift() as string);
          bytes += length;
        }
        this.#pendingBytes -= bytes;
        if (batch.length === 0) {
          await this.#rotate();
          continue;
        }
        await handle.write(batch.join(''));
        this.#size += bytes;
      } catch (error) {
        this.lastError = error as Error;
        this.#pending = [];
        this.#pendingBytes = 0;
        await this.#handle?.close().catch(() => undefined);
        this.#handle = undefined;
      }
    }
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle) return this.#handle;
    await mkdir(dirname(this.#path), { recursive: true });
    this.#handle = await open(this.#path, 'a', 0o640);
    this.#size = (await stat(this.#path)).size;
    return this.#handle;
  }

  async #rotate(): Promise<void> {
    await this.#handle?.close();
    this.#handle = undefined;
    for (let n = this.#rotation.maxFiles - 1; n >= 1; n--) {
      await rename(rotatedPath(this.#path, n - 1), rotatedPath(this.#path, n)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    if (this.#rotation.maxFiles === 1) await open(this.#path, 'w').then((handle) => handle.close());
    this.#size = 0;
  }
}
