/** One bounded HTTP request to a metric source, with credentials in the URL sent as Basic auth and never shown. */
import { describeError } from '../shared/errors.js';

/** What a source answered, or why it could not be read (a sentence naming the redacted address). */
export type HttpAnswer = { ok: true; status: number; text: string } | { ok: false; detail: string };

/** How to make the request. */
export interface HttpSourceRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal: AbortSignal;
  fetch?: typeof fetch;
}

/** The URL without its user and password, as errors and records show it. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

/** Requests `url` within the timeout; never throws. `what` starts every error ("query prometheus at …"). */
export async function requestSource(url: string, what: string, request: HttpSourceRequest): Promise<HttpAnswer> {
  const where = `${what} at ${shownUrl(url)}`;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, detail: `${where}: not a URL` };
  }
  const headers: Record<string, string> = { ...request.headers };
  if (target.username || target.password) {
    const user = decodeURIComponent(target.username);
    const password = decodeURIComponent(target.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  const timeout = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await (request.fetch ?? fetch)(target, {
      method: request.method ?? 'GET',
      headers,
      body: request.body,
      signal: AbortSignal.any([request.signal, timeout]),
    });
    return { ok: true, status: response.status, text: await response.text() };
  } catch (error) {
    if (timeout.aborted && !request.signal.aborted) return { ok: false, detail: `${where}: no answer within ${request.timeoutMs} ms` };
    return { ok: false, detail: `${where}: ${describeError(error)}` };
  }
}
