/** Running pg_dump and pg_restore with streamed stdio, in their own process group, stopped on abort. */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { stopProcessGroup } from '../../exec/process-group.js';
import { OutputTail } from '../../exec/output-tail.js';

/** A running program: its pipes and a promise of its successful end. */
export interface PgProcess {
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  /** Process group id (the child's pid), to stop it and what it started. */
  readonly pid: number | undefined;
  /** Resolves on exit code 0; rejects naming the program, the code and the last line of its stderr. */
  readonly done: Promise<void>;
}

const KILL_GRACE_MS = 2_000;

/** Starts `program args…`; stdin/stdout are pipes when asked, stderr is kept for the error message. */
export function spawnPg(
  program: string,
  args: string[],
  options: {
    stdin?: boolean;
    stdout?: boolean;
    signal?: AbortSignal;
    /** Added to the child's environment: where a password goes, never argv (see pg-connection.ts). */
    env?: Readonly<Record<string, string>>;
  },
): PgProcess {
  const name = program.split('/').at(-1) ?? program;
  // detached: own process group, so an abort ends whatever the program started as well.
  const child = spawn(program, args, {
    detached: true,
    stdio: [options.stdin ? 'pipe' : 'ignore', options.stdout ? 'pipe' : 'ignore', 'pipe'],
    env: { ...process.env, PGCONNECT_TIMEOUT: process.env.PGCONNECT_TIMEOUT ?? '10', ...options.env },
  });
  const stderr = new OutputTail();
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  // A program that stops reading early (pg_restore --list) closes its stdin; writers find out through `close`.
  child.stdin?.on('error', () => undefined);
  const stop = () => {
    if (child.pid !== undefined) void stopProcessGroup(child.pid, KILL_GRACE_MS);
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`cannot start ${name}: ${error.message}`, { cause: error })));
    child.once('close', (code, signal) => {
      options.signal?.removeEventListener('abort', stop);
      if (code === 0) return resolve();
      const why = options.signal?.aborted ? 'aborted' : signal ? `killed by ${signal}` : `exit code ${String(code)}`;
      reject(new Error(`${name} failed (${why})${stderr.lastLine ? `: ${stderr.lastLine}` : ''}`));
    });
  });
  // Callers may never await `done` when an earlier step failed; an unhandled rejection must not end the process.
  done.catch(() => undefined);
  return { stdin: child.stdin, stdout: child.stdout, pid: child.pid, done };
}

/** Writes `source` into `sink` with backpressure; once the sink closes early, reads the rest without writing it. */
export async function feed(source: Readable, sink: Writable): Promise<void> {
  let open = !sink.destroyed;
  const closed = new Promise<void>((resolve) => sink.once('close', () => ((open = false), resolve())));
  for await (const chunk of source) {
    if (!open) continue;
    if (!sink.write(chunk as Buffer)) await Promise.race([new Promise((resolve) => sink.once('drain', resolve)), closed]);
  }
  if (open) sink.end();
}
