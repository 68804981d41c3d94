/**
 * Reading the lines nginx appended to a log since the last read, from where the previous read stopped. With a
 * position file (in the state directory) where it stopped outlives the daemon, so a restarted daemon counts what
 * nginx logged meanwhile once, neither again nor never.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../../shared/atomic-file.js';

/** Most bytes read in one call, so a huge backlog is taken in steps. */
const MAX_READ = 8 * 1024 * 1024;

/** Where a tail stopped: the byte after the last whole line read, in the file of that inode (0: no file yet). */
export interface TailPosition {
  offset: number;
  inode: number;
}

/** The saved position, or undefined when there is none (or it is unreadable). */
export function readTailPosition(path: string): TailPosition | undefined {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as Partial<TailPosition> | null;
    return Number.isSafeInteger(data?.offset) && Number.isSafeInteger(data?.inode) && (data?.offset ?? -1) >= 0 ? { offset: data?.offset as number, inode: data?.inode as number } : undefined;
  } catch {
    return undefined;
  }
}

/** Follows one file: each `read()` returns the whole lines added since; a file that shrank is read from its start. */
export class AccessLogTail {
  readonly #path: string;
  readonly #positionFile: string | undefined;
  #offset: number;
  #saved: number | undefined;
  #partial = '';

  /**
   * Starts where the saved position says (the start of a file that was replaced since, or that shrank below it),
   * else at the file's current end (earlier lines are not this target's to count), or at 0 when it is missing.
   */
  constructor(path: string, positionFile?: string) {
    this.#path = path;
    this.#positionFile = positionFile;
    const now = statOf(path);
    const saved = positionFile === undefined ? undefined : readTailPosition(positionFile);
    if (now === undefined) this.#offset = 0;
    else if (saved === undefined) this.#offset = now.size;
    else this.#offset = saved.inode === now.ino && saved.offset <= now.size ? saved.offset : 0;
    this.#saved = saved?.offset;
    // Where it starts is saved at once: a daemon that stops before its first reading leaves no line uncounted.
    this.#save();
  }

  /** The complete lines appended since the last read. */
  read(): string[] {
    const size = statOf(this.#path)?.size;
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
    this.#save();
    return lines;
  }

  /** Saves where the last whole line ended (a partial line is read again by the next daemon). */
  #save(): void {
    // A log not written yet saves inode 0, no file's: the next tail reads the log that appears from its start.
    const inode = statOf(this.#path)?.ino ?? (this.#offset === 0 ? 0 : undefined);
    const offset = this.#offset - Buffer.byteLength(this.#partial);
    if (this.#positionFile === undefined || inode === undefined || offset === this.#saved) return;
    try {
      writeFileAtomic(this.#positionFile, `${JSON.stringify({ offset, inode } satisfies TailPosition)}\n`);
      this.#saved = offset;
    } catch {
      // Metrics go on; a restarted daemon then starts at the log's end, as without a position file.
    }
  }
}

function statOf(path: string): { size: number; ino: number } | undefined {
  try {
    const stat = statSync(path);
    return { size: stat.size, ino: stat.ino };
  } catch {
    return undefined;
  }
}
