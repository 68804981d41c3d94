/** The `docker run` recipe of docs/targets.md: versions as containers (a stand-in CLI) behind glidepath's proxy. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parsePlan } from '../../plan/load.js';
import { freePort } from '../../shared/free-port.js';
import { runTargetContract } from '../target.contract.js';
import { ProcessTarget } from './process-target.js';

runTargetContract('process running docker containers (stand-in)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'glidepath-docker-recipe-'));
  mkdirSync(join(dir, 'bin'));
  symlinkSync(resolve('test/fixtures/docker-standin.mjs'), join(dir, 'bin', 'docker'));
  const port = await freePort();
  const plan = parsePlan(
    `version: 1
service: shop
target:
  type: process
  listen: 127.0.0.1:${port}
  start: docker run --rm --name shop-{version}-{port} -p 127.0.0.1:{port}:8080 acme/shop:{version}
  env:
    PATH: ${JSON.stringify(`${join(dir, 'bin')}:${process.env.PATH ?? ''}`)}
    DOCKER_STANDIN_IMAGES: acme/shop:v1,acme/shop:v2
  ready: { path: /health, timeout: 10s, interval: 50ms }
  restart: { delay: 50ms, maxAttempts: 1 }
  drain: 1s
`,
    'glidepath.yaml',
    {},
  );
  if (plan.target?.type !== 'process') throw new Error('process target expected');
  const target = await ProcessTarget.start({ config: plan.target, service: 'shop', planDir: dir, stateDir: join(dir, '.glidepath') });
  // An image that was never built or pushed cannot be found.
  return { target, good: ['v1', 'v2'], failing: 'v9', readsBackWeights: true, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
