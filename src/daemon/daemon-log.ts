/**
 * The daemon's log: one JSON object a line (pino) with time, level, msg and the release id where there is one;
 * to stdout in the foreground (journald, docker), to `.glidepath/daemon.log` rotated by size when detached.
 * Known secrets (the values the plan takes from the environment, passwords in URLs) are masked in every line.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { StoredEvent } from '../store/index.js';
import { DEFAULT_LOG_ROTATION, RotatingLog, type LogRotation } from '../supervisor/rotating-log.js';
import { maskSecrets } from '../shared/secret-mask.js';

/** What the daemon logs through: pino's `(fields, msg)` calls. */
export interface DaemonLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
  fatal(fields: Record<string, unknown>, msg: string): void;
}

/** A logger and how to flush and close what it writes to. */
export interface DaemonLog {
  logger: Logger;
  close(): Promise<void>;
}

/** Where the log goes: a rotated file, this process's stdout (written synchronously, so no line is lost at exit), or a stream. */
export type DaemonLogDestination = { file: string; rotation?: LogRotation } | { stdout: true } | { stream: DestinationStream };

/** 10 MiB × 5 files for the daemon's own log. */
export const DEFAULT_DAEMON_LOG_ROTATION: LogRotation = { ...DEFAULT_LOG_ROTATION, maxFiles: 5 };

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)/g;
/** Values shorter than this are too common to mask without garbling the log (`1`, `on`, `dev`). */
const MIN_SECRET_LENGTH = 6;

/** Values of the environment variables a plan text refers to (`${NAME}`), which must never be logged. */
export function secretsOfPlan(texts: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const values = new Set<string>();
  for (const text of texts) {
    for (const match of text.matchAll(REFERENCE)) {
      const value = env[match[1] ?? ''];
      if (value !== undefined && value.length >= MIN_SECRET_LENGTH) values.add(value);
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

export { maskSecrets };

/** A stream over a size-rotated file; pino's lines end with a newline, the rotating log adds its own. */
function rotatingStream(file: string, rotation: LogRotation): { stream: DestinationStream; close(): Promise<void> } {
  const log = new RotatingLog(file, rotation);
  return {
    stream: { write: (chunk: string) => void log.writeLine(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) },
    close: () => log.close(),
  };
}

/** Creates the daemon's logger; `secrets()` is asked at every line, so a plan read later adds its own. */
export function createDaemonLog(destination: DaemonLogDestination, secrets: () => readonly string[] = () => []): DaemonLog {
  const target =
    'file' in destination
      ? rotatingStream(destination.file, destination.rotation ?? DEFAULT_DAEMON_LOG_ROTATION)
      : { stream: 'stdout' in destination ? pino.destination({ dest: 1, sync: true }) : destination.stream, close: async () => undefined };
  const logger = pino(
    {
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['password', 'token', 'authorization', '*.password', '*.token', '*.authorization', '*.headers.authorization', '*.headers.cookie'], censor: '***' },
      hooks: { streamWrite: (line) => maskSecrets(line, secrets()) },
    },
    target.stream,
  );
  return {
    logger,
    async close() {
      logger.flush();
      await target.close();
    },
  };
}

/** A DaemonLogger over a plain line writer (tests, and callers that collect lines): `msg` then the fields as JSON. */
export function lineLogger(write: (line: string) => void): DaemonLogger {
  const line = (fields: Record<string, unknown>, msg: string) => write(Object.keys(fields).length > 0 ? `${msg} ${JSON.stringify(fields)}` : msg);
  return { info: line, warn: line, error: line, fatal: line };
}

/** Event data worth a log field: short words and numbers (a plan's text or a long detail stays in the record). */
const EVENT_FIELDS = ['version', 'status', 'reason', 'kind', 'step', 'weight', 'metric', 'verdict', 'action', 'by'];

/** Fields of the log line of a release event: the release id, the event type and its short data. */
export function releaseEventFields(event: StoredEvent): Record<string, unknown> {
  const fields: Record<string, unknown> = { releaseId: event.releaseId, event: event.type };
  for (const key of EVENT_FIELDS) {
    const value = event.data[key];
    if (typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value.length <= 300)) fields[key] = value;
  }
  return fields;
}
