/** Reading the lines nginx appended to a log since the last read, from where the previous read stopped. */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** Most bytes read in one call, so a huge backlog is taken in steps. */
const MAX_READ = 8 * 1024 * 1024;

/** Follows one file: each `read()` returns the whole lines added since; a file that shrank is read from its start. */
export class AccessLogTail {
  readonly #path: string;
  #offset: number;
  #partial = '';

  /** Starts at the file's current end (earlier lines are not this target's to count), or at 0 when it is missing. */
  constructor(path: string) {
    this.#path = path;
    this.#offset = sizeOf(path) ?? 0;
  }

  /** The complete lines appended since the last read. */
  read(): string[] {
    const size = sizeOf(this.#path);
    if (size === undefined) return [];
    if (size < this.#offset) {
      // Rotated or truncated: the new file is read from its start.
      this.#offset = 0;
      this.#partial = '';
    }
    if (size === this.#offset) return [];
    const length = Math.min(size - this.#offset, MAX_READ);
    const buffer = Buffer.alloc(length);
    const fd = openSync(this.#path, 'r');
    let got: number;
    try {
      got = readSync(fd, buffer, 0, length, this.#offset);
    } finally {
      closeSync(fd);
    }
    this.#offset += got;
    const text = this.#partial + buffer.subarray(0, got).toString('utf8');
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    return lines;
  }
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}
