/** Collects a process's output: the last few KB for the record, and whether a wanted text appeared anywhere. */

/** Bytes of output kept in a result's `data.output`. */
export const OUTPUT_TAIL_CHARS = 4096;

/** Keeps the tail of a stream of text and watches for a needle across chunk boundaries. */
export class OutputTail {
  #tail = '';
  #found: boolean;
  readonly #needle: string | undefined;
  readonly #limit: number;

  constructor(needle?: string, limit = OUTPUT_TAIL_CHARS) {
    this.#needle = needle;
    this.#found = needle === undefined || needle === '';
    this.#limit = Math.max(limit, needle?.length ?? 0);
  }

  /** Adds a chunk of output. */
  push(chunk: string): void {
    const joined = this.#tail + chunk;
    if (!this.#found && this.#needle !== undefined && joined.includes(this.#needle)) this.#found = true;
    this.#tail = joined.length > this.#limit ? joined.slice(-this.#limit) : joined;
  }

  /** Whether the needle appeared anywhere in the output so far (true when there is none). */
  get found(): boolean {
    return this.#found;
  }

  /** The last characters of the output. */
  get text(): string {
    return this.#tail;
  }

  /** The last non-empty line, for one-line details. */
  get lastLine(): string {
    const lines = this.#tail.split('\n').map((line) => line.trim());
    return lines.filter(Boolean).at(-1) ?? '';
  }
}
