/** Artifacts as objects in S3-compatible storage, uploaded as a streamed multipart upload. */
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ArtifactStore } from '../../artifact-store.js';
import { checkArtifactKey } from '../../artifact-key.js';

/** The plan's `store.s3` settings. */
export interface S3StoreConfig {
  bucket: string;
  prefix: string;
  endpoint?: string;
  region: string;
}

/** Part size of multipart uploads: memory holds at most `UPLOAD_QUEUE` parts, and 10,000 parts allow ~100 GB. */
export const DEFAULT_PART_SIZE = 10 * 1024 * 1024;
const UPLOAD_QUEUE = 2;

/** The catalog's text for an S3 store: `s3://bucket/prefix?region=…&endpoint=…`. */
export function s3Location(config: S3StoreConfig): string {
  const query = new URLSearchParams({ region: config.region });
  if (config.endpoint) query.set('endpoint', config.endpoint);
  return `s3://${config.bucket}/${config.prefix.replace(/^\/+/, '')}?${query.toString()}`;
}

/** Parses {@link s3Location} text back into settings. */
export function parseS3Location(location: string): S3StoreConfig {
  const url = new URL(location);
  if (url.protocol !== 's3:' || !url.hostname) throw new Error(`not an S3 store location: ${location}`);
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  return {
    bucket: url.hostname,
    prefix: decodeURIComponent(url.pathname.replace(/^\//, '')),
    region: url.searchParams.get('region') ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
  };
}

/** A store over one bucket and prefix; credentials come from the usual AWS_* environment and files. */
export function createS3Store(config: S3StoreConfig): ArtifactStore {
  let client: Promise<S3Client> | undefined;
  const connect = () =>
    (client ??= import('@aws-sdk/client-s3').then(
      ({ S3Client: Client }) =>
        new Client({
          region: config.region,
          ...(config.endpoint ? { endpoint: config.endpoint, forcePathStyle: true } : {}),
          // We hash every artifact ourselves; the SDK's default CRC trailers (aws-chunked) are not understood
          // by many S3-compatible servers.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }),
    ));
  const prefix = config.prefix === '' || config.prefix.endsWith('/') ? config.prefix : `${config.prefix}/`;
  const objectKey = (key: string) => `${prefix}${checkArtifactKey(key)}`;
  const where = (key: string) => `s3://${config.bucket}/${objectKey(key)}`;
  return {
    location: s3Location(config),
    async put(key, body, { signal }) {
      const { Upload } = await import('@aws-sdk/lib-storage');
      const abort = new AbortController();
      const onAbort = () => abort.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      // A failing source stream must end the upload too, or it would wait for bytes forever.
      const onError = () => abort.abort();
      body.once('error', onError);
      try {
        const upload = new Upload({
          client: await connect(),
          params: { Bucket: config.bucket, Key: objectKey(key), Body: body },
          partSize: DEFAULT_PART_SIZE,
          queueSize: UPLOAD_QUEUE,
          leavePartsOnError: false,
          abortController: abort,
        });
        await upload.done();
      } catch (error) {
        throw new Error(`upload ${where(key)}: ${(error as Error).message}`, { cause: error });
      } finally {
        signal?.removeEventListener('abort', onAbort);
        body.off('error', onError);
      }
    },
    async get(key, { signal }) {
      const { GetObjectCommand } = await import('@aws-sdk/client-s3');
      try {
        const answer = await (await connect()).send(new GetObjectCommand({ Bucket: config.bucket, Key: objectKey(key) }), { abortSignal: signal });
        if (!(answer.Body instanceof Readable)) throw new Error('no body in the answer');
        return answer.Body;
      } catch (error) {
        throw new Error(`download ${where(key)}: ${(error as Error).message}`, { cause: error });
      }
    },
    async delete(key) {
      const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
      await (await connect()).send(new DeleteObjectCommand({ Bucket: config.bucket, Key: objectKey(key) }));
    },
    close() {
      void client?.then((c) => c.destroy());
    },
  };
}
