/** `BodyTracker.feed` result: all bytes belong to the body and more are expected. */
export const BODY_MORE = -1;
/** `BodyTracker.feed` result: the chunked framing is broken. */
export const BODY_ERROR = -2;

const enum S {
  Size,
  SizeWs,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  Trailer,
  TrailerLf,
  FinalLf,
  Done,
}

// chunk sizes past 2^52 cannot be counted exactly; nobody sends them
const MAX_SIZE_DIGITS = 13;

/**
 * Follows a message body's framing over the bytes that pass through, without copying them: a fixed length, a
 * chunked body (sizes, extensions, trailers — RFC 9112 §7.1) or a body that ends when the connection does.
 */
export class BodyTracker {
  #mode: 'length' | 'chunked' | 'close' = 'length';
  #remaining = 0;
  #state = S.Size;
  #digits = 0;
  // digits of the chunk size from its first non-zero one
  #significant = 0;
  #lineBytes = 0;
  #maxLine = 16384;

  /** Starts tracking a body of `length` bytes. */
  length(length: number): this {
    this.#mode = 'length';
    this.#remaining = length;
    return this;
  }

  /** Starts tracking a chunked body; `maxLine` bounds chunk-extension and trailer lines. */
  chunked(maxLine: number): this {
    this.#mode = 'chunked';
    this.#state = S.Size;
    this.#remaining = 0;
    this.#digits = 0;
    this.#significant = 0;
    this.#lineBytes = 0;
    this.#maxLine = maxLine;
    return this;
  }

  /** Starts tracking a body delimited by the end of the connection. */
  untilClose(): this {
    this.#mode = 'close';
    return this;
  }

  /** Whether the body is complete. */
  get done(): boolean {
    return this.#mode === 'length' ? this.#remaining === 0 : this.#mode === 'chunked' && this.#state === S.Done;
  }

  /** Consumes `buf` from `start`: the offset just past the body's end, `BODY_MORE`, or `BODY_ERROR`. */
  feed(buf: Buffer, start: number): number {
    if (this.#mode === 'length') {
      const avail = buf.length - start;
      if (avail < this.#remaining) {
        this.#remaining -= avail;
        return BODY_MORE;
      }
      const end = start + this.#remaining;
      this.#remaining = 0;
      return end;
    }
    if (this.#mode === 'close') return BODY_MORE;
    return this.#chunked(buf, start);
  }

  #chunked(buf: Buffer, start: number): number {
    const len = buf.length;
    let i = start;
    while (i < len) {
      const c = buf[i] as number;
      switch (this.#state) {
        case S.Size: {
          const d = hex(c);
          if (d >= 0) {
            // chunk-size is 1*HEXDIG: leading zeros are valid and only bounded by the line limit
            if (++this.#digits > this.#maxLine) return BODY_ERROR;
            if ((this.#remaining > 0 || d > 0) && ++this.#significant > MAX_SIZE_DIGITS) return BODY_ERROR;
            this.#remaining = this.#remaining * 16 + d;
          } else if (this.#digits === 0) {
            return BODY_ERROR;
          } else if (c === 0x0d) {
            this.#state = S.SizeLf;
          } else if (c === 0x3b) {
            this.#state = S.Ext;
            this.#lineBytes = 0;
          } else if (c === 0x20 || c === 0x09) {
            this.#state = S.SizeWs;
          } else {
            return BODY_ERROR;
          }
          i++;
          break;
        }
        case S.SizeWs:
          // BWS is only allowed before a chunk extension
          if (c === 0x3b) this.#state = S.Ext;
          else if (c !== 0x20 && c !== 0x09) return BODY_ERROR;
          this.#lineBytes = 0;
          i++;
          break;
        case S.Ext:
          if (c === 0x0d) this.#state = S.SizeLf;
          else if ((c < 0x20 && c !== 0x09) || c === 0x7f || ++this.#lineBytes > this.#maxLine) return BODY_ERROR;
          i++;
          break;
        case S.SizeLf:
          if (c !== 0x0a) return BODY_ERROR;
          this.#digits = 0;
          this.#significant = 0;
          this.#state = this.#remaining === 0 ? S.TrailerStart : S.Data;
          this.#lineBytes = 0;
          i++;
          break;
        case S.Data: {
          const n = Math.min(this.#remaining, len - i);
          this.#remaining -= n;
          i += n;
          if (this.#remaining === 0) this.#state = S.DataCr;
          break;
        }
        case S.DataCr:
          if (c !== 0x0d) return BODY_ERROR;
          this.#state = S.DataLf;
          i++;
          break;
        case S.DataLf:
          if (c !== 0x0a) return BODY_ERROR;
          this.#state = S.Size;
          i++;
          break;
        case S.TrailerStart:
          if (c === 0x0d) this.#state = S.FinalLf;
          else if (c < 0x21 || c === 0x7f || c === 0x3a) return BODY_ERROR; // no folding, no empty name
          else this.#state = S.Trailer;
          i++;
          break;
        case S.Trailer:
          if (c === 0x0d) this.#state = S.TrailerLf;
          else if ((c < 0x20 && c !== 0x09) || c === 0x7f || ++this.#lineBytes > this.#maxLine) return BODY_ERROR;
          i++;
          break;
        case S.TrailerLf:
          if (c !== 0x0a) return BODY_ERROR;
          this.#state = S.TrailerStart;
          i++;
          break;
        case S.FinalLf:
          if (c !== 0x0a) return BODY_ERROR;
          this.#state = S.Done;
          return i + 1;
        case S.Done:
          return i;
      }
    }
    return BODY_MORE;
  }
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
