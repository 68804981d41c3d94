// The proxy's optional access log: one line per answered request, written in batches by the proxy's own thread,
// so a request costs a string and an array push, and nothing at all when the log is off.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { HeaderFields } from './header-fields.js';
import { rawName } from './header-fields.js';

/** Line formats: nginx's `combined` with the version and upstream appended, or one JSON object per line. */
export const ACCESS_LOG_FORMATS = ['combined', 'json'] as const;
/** How access log lines are written: nginx combined format, or JSON lines. */
export type AccessLogFormat = (typeof ACCESS_LOG_FORMATS)[number];

/** Where the access log goes and in which format. */
export interface AccessLogOptions {
  /** Absolute path of the file, appended to (created with its directory when missing). */
  path: string;
  format: AccessLogFormat;
}

/** One answered request, as the log needs it. */
export interface AccessEntry {
  /** Client address. */
  address: string;
  /** The request line's parts, or null when the head could not be parsed. */
  method: string | null;
  target: string;
  minor: 0 | 1;
  /** The request's fields, for Referer and User-Agent; null when the head could not be parsed. */
  fields: HeaderFields | null;
  status: number;
  /** Bytes sent to the client for this response, head included (nginx's `$bytes_sent`). */
  bytes: number;
  /** Milliseconds from the request head to the end of the response. */
  durationMs: number;
  /** The version that served, or null when none did (the proxy answered itself). */
  version: string | null;
  /** `host:port` of the instance that served, or null. */
  upstream: string | null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// batches leave at least this often, and at once past this size
const FLUSH_MS = 200;
const FLUSH_BYTES = 64 * 1024;

const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** nginx's `$time_local`: `06/Dec/2026:04:15:02 +0000`. */
export function timeLocal(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${pad(date.getDate())}/${MONTHS[date.getMonth()] as string}/${date.getFullYear()}:${pad(date.getHours())}:${pad(date.getMinutes())}:` +
    `${pad(date.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

// as nginx escapes variables in a log line: `"`, `\` and bytes outside printable ASCII become \xHH
const NEEDS_ESCAPE = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/;
const ESCAPE_ALL = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/g;
function escapeField(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPE_ALL, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`) : s;
}

/** The value of field `name` (lower case) as it came, or null; scans the raw head, which the parser left alone. */
export function fieldValue(fields: HeaderFields, name: string): string | null {
  const count = fields.lines.length / 2;
  for (let i = 0; i < count; i++) {
    const known = fields.lower[i];
    if (known !== undefined && known !== '' ? known !== name : rawName(fields, i).toLowerCase() !== name) continue;
    const start = fields.lines[2 * i] as number;
    const end = fields.lines[2 * i + 1] as number;
    const line = fields.text.slice(start, end);
    return line.slice(line.indexOf(':') + 1).trim();
  }
  return null;
}

/** The log line of `entry` in `format`, its newline included. */
export function formatAccessEntry(entry: AccessEntry, format: AccessLogFormat, now: Date): string {
  const request = entry.method === null ? '' : `${entry.method} ${entry.target} HTTP/1.${entry.minor}`;
  const referer = entry.fields === null ? null : fieldValue(entry.fields, 'referer');
  const agent = entry.fields === null ? null : fieldValue(entry.fields, 'user-agent');
  const seconds = (entry.durationMs / 1000).toFixed(3);
  if (format === 'json') {
    return `${JSON.stringify({
      time: now.toISOString(),
      remote_addr: entry.address,
      request,
      method: entry.method,
      uri: entry.method === null ? null : entry.target,
      status: entry.status,
      bytes_sent: entry.bytes,
      referer,
      user_agent: agent,
      request_time: Number(seconds),
      version: entry.version,
      upstream: entry.upstream,
    })}\n`;
  }
  const quoted = (s: string | null): string => (s === null || s === '' ? '"-"' : `"${escapeField(s)}"`);
  return (
    `${entry.address} - - [${timeLocal(now)}] ${entry.method === null ? '"-"' : quoted(request)} ${entry.status} ${entry.bytes} ` +
    `${quoted(referer)} ${quoted(agent)} ${seconds} ${quoted(entry.version)} ${entry.upstream ?? '-'}\n`
  );
}

/** An open access log: entries are formatted at once and written in batches. */
export class AccessLog {
  readonly #format: AccessLogFormat;
  readonly #stream: WriteStream;
  readonly #timer: NodeJS.Timeout;
  #pending: string[] = [];
  #pendingBytes = 0;

  constructor(options: AccessLogOptions) {
    this.#format = options.format;
    mkdirSync(dirname(options.path), { recursive: true });
    this.#stream = createWriteStream(options.path, { flags: 'a' });
    this.#stream.on('error', () => {}); // a full disk must not take the proxy down; lines are lost instead
    this.#timer = setInterval(() => this.flush(), FLUSH_MS);
    this.#timer.unref();
  }

  /** Adds one answered request. */
  record(entry: AccessEntry): void {
    const line = formatAccessEntry(entry, this.#format, new Date());
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    if (this.#pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /** Hands the lines so far to the file. */
  flush(): void {
    if (this.#pending.length === 0) return;
    this.#stream.write(this.#pending.join(''));
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  /** Writes what is left and closes the file. */
  close(): Promise<void> {
    clearInterval(this.#timer);
    this.flush();
    return new Promise((resolve) => this.#stream.end(() => resolve()));
  }
}
