/**
 * An instance's stdout and stderr go to named pipes that the instance itself also holds open for reading, so
 * its writes never fail with EPIPE while no daemon reads them (during a daemon restart they block once the
 * pipe buffer is full, then continue when the next daemon adopts the instance and reads again).
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RotatingLog } from './rotating-log.js';

const execFileAsync = promisify(execFile);

/** Longest run of output kept before it is written as a line even without a newline. */
const MAX_LINE_CHARS = 64 * 1024;

/** Which stream a log line came from; `sys` lines are the supervisor's own notes. */
export type LogStream = 'out' | 'err' | 'sys';

/** Formats one line of an instance log: `<ISO time> <stream> <text>`. */
export function formatLogLine(stream: LogStream, text: string, at = new Date()): string {
  return `${at.toISOString()} ${stream} ${text}`;
}

/** Paths of an instance's two named pipes. */
export interface PipePaths {
  out: string;
  err: string;
}

/** Creates a fresh pair of named pipes (mode 0600) in `dir`. */
export async function createPipes(dir: string, name: string): Promise<PipePaths> {
  await mkdir(dir, { recursive: true });
  const unique = `${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const pipes = { out: join(dir, `${unique}.out`), err: join(dir, `${unique}.err`) };
  await execFileAsync('mkfifo', ['-m', '600', pipes.out, pipes.err]);
  return pipes;
}

/** Opens both pipes read-write for a child's stdout and stderr; the caller closes the fds once it spawned. */
export function openPipeWriters(pipes: PipePaths): { out: number; err: number; close(): void } {
  const out = openSync(pipes.out, 'r+');
  const err = openSync(pipes.err, 'r+');
  return { out, err, close: () => (closeSync(out), closeSync(err)) };
}

/** Removes the named pipes; missing ones are fine. */
export async function removePipes(pipes: PipePaths): Promise<void> {
  await Promise.all([rm(pipes.out, { force: true }), rm(pipes.err, { force: true })]);
}

/** Reads an instance's pipes into its log, a timestamped line at a time, until the instance's group closes them. */
export class PipeReader {
  readonly #sockets: Socket[] = [];
  /** Resolves when every writer closed both pipes (the instance and its group are gone) or `close()` was called. */
  readonly ended: Promise<void>;

  constructor(pipes: PipePaths, log: RotatingLog) {
    const ends = (['out', 'err'] as const).map((stream) => {
      // Non-blocking open: a net.Socket on a FIFO reads through the event loop, not the thread pool.
      const fd = openSync(pipes[stream], constants.O_RDONLY | constants.O_NONBLOCK);
      const socket = new Socket({ fd, readable: true, writable: false });
      this.#sockets.push(socket);
      return readLines(socket, stream, log);
    });
    this.ended = Promise.all(ends).then(() => undefined);
  }

  /** Stops reading (the instance keeps running and keeps its pipes). */
  close(): void {
    for (const socket of this.#sockets) socket.destroy();
  }
}

function readLines(socket: Socket, stream: LogStream, log: RotatingLog): Promise<void> {
  let partial = '';
  const emit = (line: string) => {
    if (!log.writeLine(formatLogLine(stream, line)) && !socket.isPaused()) {
      socket.pause();
      void log.drained().then(() => socket.resume());
    }
  };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) emit(line.endsWith('\r') ? line.slice(0, -1) : line);
    while (partial.length > MAX_LINE_CHARS) {
      emit(partial.slice(0, MAX_LINE_CHARS));
      partial = partial.slice(MAX_LINE_CHARS);
    }
  });
  return new Promise((resolve) => {
    socket.once('close', () => {
      if (partial) emit(partial);
      partial = '';
      resolve();
    });
    socket.once('error', () => socket.destroy());
  });
}
