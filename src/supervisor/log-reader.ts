/** Reading a version's instance logs: the last lines across instances and rotations, then new lines as they come. */
import { open, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isVersionName } from './launch-spec.js';
import type { LogStream } from './log-pipe.js';
import { sleep } from './readiness.js';
import { rotatedPath } from './rotating-log.js';

/** One line of an instance's log. */
export interface LogLine {
  /** ISO 8601 time the line was read from the instance. */
  at: string;
  index: number;
  stream: LogStream;
  text: string;
}

/** What to read: the last `lines` (default 100), then with `follow` new lines until `signal` aborts. */
export interface ReadLogsOptions {
  lines?: number;
  follow?: boolean;
  signal?: AbortSignal;
  /** One instance only. */
  index?: number;
  /** How often `follow` looks for new lines (default 250 ms). */
  pollMs?: number;
}

const CHUNK_BYTES = 64 * 1024;
/** Most bytes `follow` reads from one file per look; the rest waits for the next. */
const FOLLOW_READ_BYTES = 4 * 1024 * 1024;
/** Rotated files looked at, at most, for the tail. */
const MAX_ROTATIONS = 100;
const LINE = /^(\S+) (out|err|sys) (.*)$/s;

/**
 * The directory of `version`'s logs in `logsDir` (`<stateDir>/logs`), or undefined when `version` is not a version
 * name and so could name a path outside it (`../../x`).
 */
export function versionLogsDir(logsDir: string, version: string): string | undefined {
  if (!isVersionName(version)) return undefined;
  const dir = resolve(logsDir, version);
  return dirname(dir) === resolve(logsDir) ? dir : undefined;
}

/** Parses a line written by the supervisor; foreign text comes back as an `out` line without a time. */
export function parseLogLine(line: string, index: number): LogLine {
  const match = LINE.exec(line);
  if (!match) return { at: '', index, stream: 'out', text: line };
  return { at: match[1] as string, index, stream: match[2] as LogStream, text: match[3] as string };
}

/** The last `count` complete lines of the first `end` bytes of a file (none when it does not exist). */
async function tailOfFile(path: string, count: number, end?: number): Promise<string[]> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return [];
  try {
    let position = end ?? (await handle.stat()).size;
    const chunks: Buffer[] = [];
    let newlines = 0;
    while (position > 0 && newlines <= count) {
      const size = Math.min(CHUNK_BYTES, position);
      position -= size;
      const chunk = Buffer.alloc(size);
      await handle.read(chunk, 0, size, position);
      chunks.unshift(chunk);
      newlines += chunk.reduce((n, byte) => (byte === 0x0a ? n + 1 : n), 0);
    }
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    lines.pop();
    if (position > 0) lines.shift();
    return lines.slice(-count);
  } finally {
    await handle.close();
  }
}

async function instanceIndexes(dir: string, only?: number): Promise<number[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const indexes = names.flatMap((name) => (/^\d+\.log$/.test(name) ? [Number.parseInt(name, 10)] : []));
  return indexes.filter((index) => only === undefined || index === only).sort((a, b) => a - b);
}

/** Where following a file got to: its inode and how many bytes were consumed. */
interface Cursor {
  ino: number;
  offset: number;
}

/** Yields the last lines of a version's logs (in time order across instances), then, with `follow`, new lines. */
export async function* readLogs(dir: string, options: ReadLogsOptions = {}): AsyncGenerator<LogLine> {
  const count = Math.max(0, options.lines ?? 100);
  const cursors = new Map<number, Cursor>();
  const tail: LogLine[] = [];
  for (const index of await instanceIndexes(dir, options.index)) {
    const path = join(dir, `${index}.log`);
    const info = await stat(path).catch(() => undefined);
    if (info) cursors.set(index, { ino: info.ino, offset: info.size });
    let lines = await tailOfFile(path, count, info?.size ?? 0);
    for (let n = 1; lines.length < count && n < MAX_ROTATIONS; n++) {
      const older = await tailOfFile(rotatedPath(path, n), count - lines.length);
      if (older.length === 0) break;
      lines = [...older, ...lines];
    }
    tail.push(...lines.map((line) => parseLogLine(line, index)));
  }
  // ISO times sort as text; the sort is stable, so one instance's lines keep their order.
  yield* tail.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).slice(-count);
  if (!options.follow) return;
  const signal = options.signal ?? new AbortController().signal;
  while (!signal.aborted) {
    await sleep(options.pollMs ?? 250, signal);
    for (const index of await instanceIndexes(dir, options.index)) {
      if (signal.aborted) return;
      const path = join(dir, `${index}.log`);
      const cursor = cursors.get(index) ?? { ino: -1, offset: 0 };
      cursors.set(index, cursor);
      for (const line of await readNew(path, cursor)) {
        if (signal.aborted) return;
        yield parseLogLine(line, index);
      }
    }
  }
}

/** Complete lines added since `cursor` (advanced in place), following a rotation to the new file. */
async function readNew(path: string, cursor: Cursor): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return [];
  const lines: string[] = [];
  if (info.ino !== cursor.ino) {
    // Rotated since the last look: finish the file we were reading (now `.n`), read the newer ones whole, then
    // start on the new current file.
    for (let n = 1; n < MAX_ROTATIONS; n++) {
      const older = await stat(rotatedPath(path, n)).catch(() => undefined);
      if (!older) break;
      if (older.ino !== cursor.ino) continue;
      for (let m = n; m >= 1; m--) {
        const size = m === n ? older.size : ((await stat(rotatedPath(path, m)).catch(() => undefined))?.size ?? 0);
        lines.push(...(await readFrom(rotatedPath(path, m), m === n ? cursor.offset : 0, size, Infinity)).lines);
      }
      break;
    }
    cursor.ino = info.ino;
    cursor.offset = 0;
  } else if (info.size < cursor.offset) {
    cursor.offset = 0;
  }
  const fresh = await readFrom(path, cursor.offset, info.size);
  cursor.offset += fresh.bytes;
  return [...lines, ...fresh.lines];
}

/** The complete lines between two offsets, and how many bytes they took (a trailing partial line waits). */
async function readFrom(path: string, start: number, end: number, limit = FOLLOW_READ_BYTES): Promise<{ lines: string[]; bytes: number }> {
  end = Math.min(end, start + limit);
  if (end <= start) return { lines: [], bytes: 0 };
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return { lines: [], bytes: 0 };
  try {
    const buffer = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    const last = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (last === -1) return { lines: [], bytes: 0 };
    return { lines: buffer.subarray(0, last).toString('utf8').split('\n'), bytes: last + 1 };
  } finally {
    await handle.close();
  }
}
