/**
 * Reading an artifact for a restore: its bytes must be the ones the catalog recorded (size and sha256), or the
 * restore stops. Drivers stage what they read and commit only once the stream has ended cleanly, so a stream
 * that fails its check at the end leaves the target as it was.
 */
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash, type Hash } from 'node:crypto';
import { EXIT, GlidepathError } from '../shared/errors.js';
import type { BackupRecord } from '../store/backup-repository.js';
import type { ArtifactStore } from './artifact-store.js';
import type { OpenArtifact } from './backup.js';

/** An artifact whose bytes differ from its catalog entry: the restore's outcome is bad (exit 1), and nothing changed. */
export class DamagedArtifactError extends GlidepathError {
  constructor(message: string) {
    super(message, { code: 'artifact_damaged', exitCode: EXIT.bad });
  }
}

/** What the catalog says the artifact holds. */
interface Expected {
  id: string;
  key: string;
  size: number;
  sha256: string;
}

function expectedOf(record: BackupRecord): Expected {
  if (record.sha256 === null || record.size === null) {
    throw new DamagedArtifactError(`backup ${record.id} has no recorded size and sha256, so its artifact cannot be checked; nothing was restored`);
  }
  return { id: record.id, key: record.key, size: record.size, sha256: record.sha256 };
}

const damaged = (expected: Expected, found: string) =>
  new DamagedArtifactError(
    `backup ${expected.id} is damaged: its artifact ${expected.key} ${found}, but the catalog recorded ${expected.size} bytes with sha256 ${expected.sha256}; ` +
      `nothing was restored (glidepath backup verify ${expected.id} shows the same)`,
  );

/** Passes the artifact's bytes on while checking them; fails as soon as there are too many, or at the end when they differ. */
class CheckingStream extends Transform {
  readonly #expected: Expected;
  readonly #hash: Hash = createHash('sha256');
  #bytes = 0;

  constructor(expected: Expected) {
    super();
    this.#expected = expected;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.#expected.size) return callback(damaged(this.#expected, `is longer (more than ${this.#expected.size} bytes)`));
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const sha256 = this.#hash.digest('hex');
    if (this.#bytes !== this.#expected.size) return callback(damaged(this.#expected, `has ${this.#bytes} bytes`));
    if (sha256 !== this.#expected.sha256) return callback(damaged(this.#expected, `has sha256 ${sha256}`));
    callback();
  }
}

/** Reads the whole artifact once and throws DamagedArtifactError unless its size and sha256 match the catalog. */
export async function checkArtifact(artifacts: ArtifactStore, record: BackupRecord, signal?: AbortSignal): Promise<void> {
  const expected = expectedOf(record);
  const source = await artifacts.get(record.key, { signal });
  await pipeline(source, new CheckingStream(expected), new Writable({ write: (_chunk, _encoding, done) => done() }), { signal });
}

/** Opens the artifact through the same check: the stream errors instead of ending when the bytes are not the recorded ones. */
export function openCheckedArtifact(artifacts: ArtifactStore, record: BackupRecord, signal?: AbortSignal): OpenArtifact {
  const expected = expectedOf(record);
  return async () => {
    const source = await artifacts.get(record.key, { signal });
    const checking = new CheckingStream(expected);
    source.once('error', (error) => checking.destroy(error));
    // pipe() does not pass a destroy upstream: a reader that stops early (a refused archive entry, an abort)
    // must still release the artifact's file, which Node 26 no longer lets the garbage collector close.
    checking.once('close', () => source.destroy());
    return source.pipe(checking);
  };
}
