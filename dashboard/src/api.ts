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

async function fetchJson<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } }), `GET ${path}`);
}

// Answers asked for before the view that wants them was drawn, by path; each is handed to its first asker only.
const early = new Map<string, { at: number; answer: Promise<unknown> }>();
const EARLY_KEPT_MS = 5_000;

/**
 * Starts the GETs a view will make, while the page still checks its session: the view's own requests then take
 * these answers instead of waiting for their round trip. A failed one (no session yet) is asked again by the view.
 */
export function prefetch(paths: readonly string[]): void {
  for (const path of paths) {
    const answer = fetchJson(path);
    answer.catch(() => undefined);
    early.set(path, { at: Date.now(), answer });
  }
}

/** GET a JSON document of the API. */
export async function get<T>(path: string): Promise<T> {
  const ahead = early.get(path);
  early.delete(path);
  if (ahead && Date.now() - ahead.at < EARLY_KEPT_MS) {
    try {
      return (await ahead.answer) as T;
    } catch {
      // Asked before a session existed, or the daemon was away: asked again below.
    }
  }
  return fetchJson<T>(path);
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
