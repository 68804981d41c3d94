/**
 * Ending quietly when the reader of stdout or stderr goes away (`glidepath schema | head -1`): a write to a closed
 * pipe fails with EPIPE, which Node reports as an 'error' event that would otherwise crash the CLI with a stack trace.
 */

/** A stream the CLI writes to. */
export interface WritableEnd {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

interface ErrorEmitter extends WritableEnd {
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/** Codes of a write to a reader that has gone away. */
const CLOSED = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ECONNRESET']);

/**
 * Wraps the process's output streams so a closed pipe ends output without an error: later writes are dropped and
 * `closed` aborts, which commands that run until stopped (`status --watch`, `wait`) take as their cue to end.
 */
export function guardClosedPipes(stdout: ErrorEmitter, stderr: ErrorEmitter): { stdout: WritableEnd; stderr: WritableEnd; closed: AbortSignal } {
  const controller = new AbortController();
  const guard = (stream: ErrorEmitter): WritableEnd => {
    let open = true;
    stream.on('error', (error) => {
      if (!CLOSED.has(error.code ?? '')) throw error;
      open = false;
      controller.abort(new Error(`output closed (${error.code ?? 'EPIPE'})`));
    });
    return {
      write: (chunk) => (open ? stream.write(chunk) : false),
      get isTTY() {
        return stream.isTTY;
      },
    };
  };
  return { stdout: guard(stdout), stderr: guard(stderr), closed: controller.signal };
}
