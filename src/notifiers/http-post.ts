/** One HTTP POST of a notification, judged as notifiers judge it: delivered, failed and worth retrying, or not. */
import { redactSecrets } from '../checks/redact.js';
import type { SendResult } from './notifier.js';

/** A URL as it may be shown: scheme, host and port; the path (a token, for Slack) and credentials left out. */
export function safeDestination(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname === '/' && parsed.search === '' ? parsed.origin : `${parsed.origin}/…`;
  } catch {
    return '(an invalid URL)';
  }
}

/** The secrets of a URL: the whole of it, its path and query, and its password. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    return [url, `${parsed.pathname}${parsed.search}`, parsed.pathname, decodeURIComponent(parsed.password)].filter((s) => s.length > 1);
  } catch {
    return [url];
  }
}

/** What one POST needs; `secrets` are removed from anything it reports. */
export interface PostRequest {
  url: string;
  body: string;
  headers?: Record<string, string>;
  signal: AbortSignal;
  secrets: readonly string[];
}

/** Whether another attempt may get a different answer: 408, 429 and 5xx may; other 4xx will not. */
function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return 'timed out or aborted';
  const cause = error.cause as { code?: string; message?: string } | undefined;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return cause?.message ?? error.message;
}

/** POSTs the body; 2xx is delivered. Never throws, and nothing it reports holds a secret. */
export async function postNotification(request: PostRequest): Promise<SendResult> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  const where = safeDestination(request.url);
  const clean = (text: string) => redactSecrets(text, [...request.secrets, ...urlSecrets(request.url)]).replace(/\s+/g, ' ').trim();
  if (request.signal.aborted) return { status: 'failed', detail: `POST ${where}: aborted before sending`, durationMs: 0, retryable: false };
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'glidepath', ...request.headers },
      body: request.body,
      signal: request.signal,
      redirect: 'manual',
    });
    const text = await response.text().catch(() => '');
    if (response.status >= 200 && response.status < 300) return { status: 'delivered', detail: `POST ${where}: ${response.status}`, durationMs: took(), retryable: false };
    const said = clean(text).slice(0, 200);
    return {
      status: 'failed',
      detail: `POST ${where} answered ${response.status}${said ? `: ${said}` : ''}`,
      durationMs: took(),
      retryable: retryableStatus(response.status),
    };
  } catch (error) {
    return { status: 'failed', detail: clean(`POST ${where}: ${causeOf(error)}`), durationMs: took(), retryable: true };
  }
}
