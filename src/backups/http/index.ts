/** The `http` backup driver: call a snapshot endpoint and stream its body; restore writes the snapshot to a file. */
import { createReadStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { redactUrl } from '../../store/store-url.js';
import type { BackupDriver } from '../backup.js';
import { streamToFile } from '../temp-file.js';

/** The plan's `http:` source settings. */
export interface HttpSourceConfig {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
}

/** How long the endpoint may take to start answering (making a snapshot can be slow). */
export const DEFAULT_SNAPSHOT_TIMEOUT_MS = 10 * 60_000;

/** fetch refuses a URL with `user:password@` (and names it in its error): they go in a Basic Authorization header. */
function withoutCredentials(url: string, headers: Record<string, string>): { url: string; headers: Record<string, string> } {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.username === '' && parsed.password === '')) return { url, headers };
  const basic = Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64');
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), headers: { authorization: `Basic ${basic}`, ...headers } };
}

async function request(target: string, method: string, given: Record<string, string>, signal?: AbortSignal): Promise<Response> {
  const { url, headers } = withoutCredentials(target, given);
  const timeout = AbortSignal.timeout(DEFAULT_SNAPSHOT_TIMEOUT_MS);
  const answer = await fetch(url, { method, headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  if (!answer.ok) {
    const text = (await answer.text().catch(() => '')).slice(0, 200);
    throw new Error(`${method} ${redactUrl(target)}: HTTP ${answer.status}${text ? `: ${text}` : ''}`);
  }
  return answer;
}

/**
 * Qdrant-style endpoints answer a POST with `{"result":{"name":…}}`: the snapshot is then at URL/NAME. Only a
 * POST's JSON answer is read whole to find out; any other answer is streamed as it is.
 */
async function snapshotBody(answer: Response, config: HttpSourceConfig, headers: Record<string, string>, signal?: AbortSignal): Promise<Readable> {
  const json = answer.headers.get('content-type')?.includes('application/json');
  if (config.method === 'POST' && json) {
    const text = await answer.text();
    let name: unknown;
    try {
      name = (JSON.parse(text) as { result?: { name?: unknown } }).result?.name;
    } catch {
      name = undefined;
    }
    if (typeof name !== 'string') return Readable.from([Buffer.from(text)]);
    answer = await request(`${config.url.replace(/\/+$/, '')}/${encodeURIComponent(name)}`, 'GET', headers, signal);
  }
  if (!answer.body) throw new Error(`${redactUrl(config.url)}: the answer has no body`);
  return Readable.fromWeb(answer.body as WebReadableStream<Uint8Array>);
}

/** An http driver for the snapshot endpoint `config.url`. */
export function createHttpDriver(config: HttpSourceConfig): BackupDriver {
  const method = config.method ?? 'GET';
  const headers = config.headers ?? {};
  const driver: BackupDriver = {
    kind: 'http',
    extension: 'snapshot',
    location: config.url,
    inPlace: false,
    async dump({ signal }) {
      const stream = await snapshotBody(await request(config.url, method, headers, signal), { ...config, method }, headers, signal);
      const done = new Promise<void>((resolve, reject) => {
        stream.once('end', resolve);
        stream.once('error', reject);
        stream.once('close', resolve);
      });
      done.catch(() => undefined);
      return { stream, done };
    },
    async inspect(artifact) {
      // A snapshot's format is the endpoint's own; its sha256 (checked by the caller) is what can be proven.
      let bytes = 0;
      for await (const chunk of artifact) bytes += (chunk as Buffer).length;
      return bytes > 0 ? { status: 'pass', detail: `snapshot of ${bytes} bytes` } : { status: 'fail', detail: 'the snapshot is empty' };
    },
    async targetHasData(target) {
      const info = await stat(target).catch(() => undefined);
      return info !== undefined && info.size > 0;
    },
    async restore(open, target, { signal }) {
      // Written beside the target and renamed over it: a failed or refused download leaves the old file as it was.
      const incoming = join(dirname(target), `.${basename(target)}.glidepath-restore-${process.pid}-${Date.now()}`);
      try {
        await streamToFile(await open(), incoming, signal);
        await rename(incoming, target);
      } catch (error) {
        await rm(incoming, { force: true });
        throw error;
      }
    },
    forTarget(target) {
      return snapshotFileDriver(target, driver);
    },
  };
  return driver;
}

/**
 * The snapshot file a restore would overwrite, as a source of its own (a safety backup): its bytes are read as they
 * are, and restoring that backup writes them back through the http driver.
 */
function snapshotFileDriver(path: string, http: BackupDriver): BackupDriver {
  return {
    ...http,
    location: path,
    dump() {
      const stream = createReadStream(path);
      const done = finished(stream);
      done.catch(() => undefined);
      return Promise.resolve({ stream, done });
    },
  };
}
