/** Reading the daemon's server-sent events from the CLI, as an async iterator of stored events. */
import type { StoredEvent } from '../store/index.js';
import { UnavailableError, describeError } from '../shared/errors.js';

/** Yields events from `GET path` until the signal aborts or the server closes the stream. */
export async function* readEventStream(url: string, token: string, signal: AbortSignal): AsyncGenerator<StoredEvent> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal });
  } catch (error) {
    if (signal.aborted) return;
    throw new UnavailableError(`event stream ${url}: ${describeError(error)}`, error);
  }
  if (!response.ok || !response.body) throw new UnavailableError(`event stream ${url}: HTTP ${response.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (data) yield JSON.parse(data) as StoredEvent;
      }
    }
  } catch (error) {
    if (!signal.aborted) throw new UnavailableError(`event stream ${url} broke off: ${describeError(error)}`, error);
  }
}
