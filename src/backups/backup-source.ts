/** Taking one backup: stream the driver's dump through a sha256 counter into the artifact store, and catalog it. */
import { performance } from 'node:perf_hooks';
import { describeError } from '../shared/errors.js';
import type { BackupReason, BackupRecord, BackupRepository } from '../store/backup-repository.js';
import { newId } from '../store/id.js';
import { artifactKey } from './artifact-key.js';
import type { ArtifactStore } from './artifact-store.js';
import type { BackupDriver } from './driver.js';
import { HashingStream } from './hashing-stream.js';

/** What {@link backupSource} needs. */
export interface BackupSourceOptions {
  service: string;
  source: string;
  driver: BackupDriver;
  artifacts: ArtifactStore;
  catalog: BackupRepository;
  reason: BackupReason;
  releaseId?: string | null;
  signal?: AbortSignal;
  tempDir?: string;
  now?: () => Date;
}

/** Settles when all settle; rejects with the first failure (none is left unhandled). */
async function allOrFirstError(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Backs up one source and returns its catalog record; a failure is recorded (status `failed`), not thrown. */
export async function backupSource(options: BackupSourceOptions): Promise<BackupRecord> {
  const { driver, artifacts, catalog } = options;
  const startedAt = (options.now ?? (() => new Date()))();
  const id = newId('bkp', startedAt.getTime());
  const key = artifactKey(options.source, startedAt, id, driver.extension);
  const record = await catalog.start({
    id,
    service: options.service,
    source: options.source,
    driver: driver.kind,
    reason: options.reason,
    store: artifacts.location,
    key,
    releaseId: options.releaseId ?? null,
  });
  const started = performance.now();
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) abort.abort();
  try {
    const dump = await driver.dump({ signal: abort.signal, tempDir: options.tempDir });
    const hasher = new HashingStream();
    dump.stream.once('error', (error) => hasher.destroy(error));
    dump.stream.pipe(hasher);
    try {
      // The producer's exit status matters as much as the bytes: pg_dump can end its output and then fail.
      await allOrFirstError([artifacts.put(key, hasher, { signal: abort.signal }), dump.done]);
    } catch (error) {
      abort.abort();
      dump.stream.destroy();
      await artifacts.delete(key).catch(() => undefined);
      throw error;
    }
    return await catalog.finish(record.id, {
      status: 'succeeded',
      size: hasher.bytes,
      sha256: hasher.sha256,
      durationMs: performance.now() - started,
    });
  } catch (error) {
    const where = driver.kind === 'postgres' ? 'the database' : driver.location;
    return catalog.finish(record.id, {
      status: 'failed',
      durationMs: performance.now() - started,
      error: `back up ${options.source} (${driver.kind}, ${where}): ${describeError(error)}`,
    });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
