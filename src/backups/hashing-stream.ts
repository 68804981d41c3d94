/** A pass-through stream that measures what flows through it: bytes and sha256. */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes on unchanged while counting them and hashing them with sha256. */
export class HashingStream extends Transform {
  readonly #hash: Hash = createHash('sha256');
  #bytes = 0;
  #digest: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#digest = this.#hash.digest('hex');
    callback();
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Hex sha256 of everything that passed, once the stream has ended. */
  get sha256(): string {
    if (this.#digest === undefined) throw new Error('sha256 is known only after the stream ended');
    return this.#digest;
  }
}
