/**
 * Ending quietly when the reader of stdout or stderr goes away (`glidepath schema | head -1`): a write to a closed
 * pipe fails with EPIPE, which Node reports as an 'error' event that would otherwise crash the CLI with a stack trace.
 */

interface ErrorEmitter {
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/** Codes of a write to a reader that has gone away. */
const CLOSED = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ECONNRESET']);

/**
 * Takes a closed pipe on these streams as the end of output, not an error: the stream is destroyed (later writes are
 * dropped without another error) and the returned signal aborts, which commands that run until stopped
 * (`status --watch`) take as their cue to end. Other stream errors stay fatal.
 */
export function guardClosedPipes(...streams: ErrorEmitter[]): AbortSignal {
  const controller = new AbortController();
  for (const stream of streams) {
    stream.on('error', (error) => {
      if (!CLOSED.has(error.code ?? '')) throw error;
      controller.abort(new Error(`output closed (${error.code ?? 'EPIPE'})`));
    });
  }
  return controller.signal;
}
