import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePlan } from '../../plan/load.js';
import { freePort } from '../../shared/free-port.js';
import { testServiceCommand } from '../../testing/test-service.js';
import { runTargetContract } from '../target.contract.js';
import { ProcessTarget } from './process-target.js';

runTargetContract('process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'glidepath-process-contract-'));
  for (const version of ['v1', 'v2']) mkdirSync(join(dir, 'releases', version), { recursive: true });
  const port = await freePort();
  // A version without a release directory cannot start: its working directory is missing.
  const plan = parsePlan(
    `version: 1
service: shop
target:
  type: process
  listen: 127.0.0.1:${port}
  start: ${JSON.stringify(testServiceCommand(['--version', '{version}']))}
  cwd: releases/{version}
  ready: { path: /health, timeout: 10s, interval: 50ms }
  restart: { delay: 50ms, maxAttempts: 1 }
  drain: 1s
`,
    'glidepath.yaml',
    {},
  );
  if (plan.target?.type !== 'process') throw new Error('process target expected');
  const target = await ProcessTarget.start({ config: plan.target, service: 'shop', planDir: dir, stateDir: join(dir, '.glidepath') });
  return { target, good: ['v1', 'v2'], failing: 'v-missing', readsBackWeights: true, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
