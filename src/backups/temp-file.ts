/** Scratch files for drivers that need a whole artifact on disk (a SQLite copy, a parallel pg_restore). */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DriverCallOptions, DumpStream } from './backup.js';

/** Runs `use` with a path in a fresh temp directory, removed afterwards whatever happens. */
export async function withTempPath<T>(options: DriverCallOptions, name: string, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'glidepath-backup-'));
  try {
    return await use(join(dir, name));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Copies a stream into a file (streamed). */
export async function streamToFile(source: Readable, path: string, signal?: AbortSignal): Promise<void> {
  await pipeline(source, createWriteStream(path), { signal });
}

/** Makes a file in a fresh temp directory with `fill`, then streams it; the directory goes once the stream closes. */
export async function streamTempFile(
  options: DriverCallOptions,
  name: string,
  fill: (path: string) => Promise<void>,
): Promise<DumpStream> {
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'glidepath-backup-'));
  const path = join(dir, name);
  try {
    await fill(path);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const stream = createReadStream(path);
  const done = new Promise<void>((resolve, reject) => {
    stream.once('close', () => void rm(dir, { recursive: true, force: true }).then(() => resolve(), reject));
  });
  return { stream, done };
}
