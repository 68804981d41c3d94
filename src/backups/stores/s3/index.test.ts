import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { describe, expect, it } from 'vitest';
import { runArtifactStoreContract } from '../../artifact-store.contract.js';
import { createS3Store, parseS3Location, s3Location } from './index.js';

// A real S3-compatible server (s3rver: the S3 REST API over a directory) on a loopback port; the SDK talks
// to it exactly as to any S3-compatible endpoint, multipart upload included.
let dir = '';
let server: S3rver | undefined;
runArtifactStoreContract(
  's3 (s3rver on loopback)',
  async () => {
    dir = await mkdtemp(join(tmpdir(), 'glidepath-s3-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: 'backups', configs: [] }] });
    const { port } = await server.run();
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    return createS3Store({ bucket: 'backups', prefix: 'glidepath/test', endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1' });
  },
  async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  },
);

describe('s3 location', () => {
  it('round-trips through the catalog text', () => {
    const config = { bucket: 'b', prefix: 'team/app', endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1' };
    expect(s3Location(config)).toBe('s3://b/team/app?region=eu-west-1&endpoint=http%3A%2F%2F127.0.0.1%3A9000');
    expect(parseS3Location(s3Location(config))).toEqual(config);
    expect(parseS3Location('s3://b/?region=us-east-1')).toEqual({ bucket: 'b', prefix: '', region: 'us-east-1' });
  });
});
