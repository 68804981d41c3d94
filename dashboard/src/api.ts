/** The dashboard's way to the daemon: the session, JSON over the API with the CSRF header, and the event stream. */

/** The logged-in session: what it may do, who it is, and the CSRF token its actions carry. */
export interface Session {
  role: 'admin' | 'read';
  who: string;
  csrf: string;
}

/** An API answer that is not 2xx, with the daemon's words. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';

async function parse<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? `${what}: HTTP ${response.status}`;
    throw new ApiFailure(response.status, message);
  }
  return body as T;
}

/** The current session, or null when the browser has none. */
export async function currentSession(): Promise<Session | null> {
  const response = await fetch('/dashboard/session', { credentials: 'same-origin' });
  if (response.status === 401) return null;
  const session = await parse<Session>(response, 'session');
  csrf = session.csrf;
  return session;
}

/** Logs in with a one-time login token (or a daemon token). */
export async function logIn(token: string): Promise<Session> {
  const response = await fetch('/dashboard/login', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  const session = await parse<Session>(response, 'login');
  csrf = session.csrf;
  return session;
}

/** Ends the session. */
export async function logOut(): Promise<void> {
  await fetch('/dashboard/logout', { method: 'POST', credentials: 'same-origin', headers: { 'x-csrf-token': csrf } });
}

/** GET a JSON document of the API. */
export async function get<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } }), `GET ${path}`);
}

/** GET a text document of the API. */
export async function getText(path: string): Promise<string> {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) throw new ApiFailure(response.status, `GET ${path}: HTTP ${response.status}`);
  return response.text();
}

/** POST JSON with the session's CSRF token. */
export async function post<T>(path: string, body: unknown = {}): Promise<T> {
  const response = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) });
  return parse<T>(response, `POST ${path}`);
}

/** One event of the daemon's stream. */
export interface StreamEvent {
  seq: number;
  type: string;
  releaseId: string | null;
  at: string;
  data: Record<string, unknown>;
}

/**
 * Follows /v1/events (fetch, not EventSource, which only reports unnamed events), resuming after the last seen
 * event when the stream breaks; returns the function that stops it.
 */
export function followEvents(onEvent: (event: StreamEvent) => void, onState: (live: boolean) => void): () => void {
  const stop = new AbortController();
  let last: number | undefined;
  const run = async () => {
    while (!stop.signal.aborted) {
      try {
        const response = await fetch('/v1/events', { credentials: 'same-origin', signal: stop.signal, headers: last === undefined ? {} : { 'last-event-id': String(last) } });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState(true);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const data = buffer.slice(0, end).split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
            buffer = buffer.slice(end + 2);
            if (!data) continue;
            const event = JSON.parse(data) as StreamEvent;
            last = event.seq;
            onEvent(event);
          }
        }
      } catch {
        // the stream broke or the daemon restarts: try again shortly
      }
      onState(false);
      if (!stop.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  };
  void run();
  return () => stop.abort();
}
