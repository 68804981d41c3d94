/** Taking one backup: stream the driver's dump through a sha256 counter into the artifact store, and catalog it. */
import { performance } from 'node:perf_hooks';
import { describeError } from '../shared/errors.js';
import type { BackupReason, BackupRecord, BackupRepository } from '../store/backup-repository.js';
import { newId } from '../store/id.js';
import { redactUrl } from '../store/store-url.js';
import { artifactKey } from './artifact-key.js';
import type { ArtifactStore } from './artifact-store.js';
import type { BackupDriver } from './backup.js';
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

/**
 * Settles when all settle; rejects with the failure that came first in time (none is left unhandled), after
 * calling `onFailure` once at that first failure so the other side can stop instead of waiting forever.
 */
async function allOrFirstError(promises: Promise<unknown>[], onFailure: () => void): Promise<void> {
  let failed: { error: unknown } | undefined;
  const first = (error: unknown) => {
    if (failed) return;
    failed = { error };
    onFailure();
  };
  await Promise.allSettled(promises.map((p) => p.catch(first)));
  if (failed) throw failed.error;
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
    const stop = () => {
      abort.abort();
      dump.stream.destroy();
    };
    try {
      // The producer's exit status matters as much as the bytes: pg_dump can end its output and then fail. And a
      // store that fails (a directory it cannot create, a full disk) stops the producer, which would otherwise
      // wait for a reader forever.
      await allOrFirstError([artifacts.put(key, hasher, { signal: abort.signal }), dump.done], stop);
    } catch (error) {
      stop();
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
    const where = driver.kind === 'postgres' ? 'the database' : redactUrl(driver.location);
    return catalog.finish(record.id, {
      status: 'failed',
      durationMs: performance.now() - started,
      error: `back up ${options.source} (${driver.kind}, ${where}): ${describeError(error)}`,
    });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
