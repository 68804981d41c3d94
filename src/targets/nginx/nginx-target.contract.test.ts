import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { parsePlan } from '../../plan/load.js';
import { freePort } from '../../shared/free-port.js';
import { nginxMissing, startNginx } from '../../testing/nginx-server.js';
import { testServiceCommand } from '../../testing/test-service.js';
import { runTargetContract } from '../target.contract.js';
import { NginxTarget } from './nginx-target.js';

const missing = nginxMissing();

/** The plan, or undefined when it does not parse (the caller stops nginx). */
function parse(text: string): ReturnType<typeof parsePlan> | undefined {
  try {
    return parsePlan(text, 'glidepath.yaml', {});
  } catch {
    return undefined;
  }
}

describe.skipIf(missing)(`nginx target${missing ? ` (skipped: ${missing})` : ''}`, () => {
  runTargetContract('nginx (real nginx, versions from the process supervisor)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glidepath-nginx-contract-'));
    for (const version of ['v1', 'v2']) mkdirSync(join(dir, 'releases', version), { recursive: true });
    const nginx = await startNginx(join(dir, 'nginx'));
    const port = await freePort();
    // A version without a release directory cannot start: its working directory is missing.
    const cleanup = async () => {
      await nginx.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    const plan = parse(
      `version: 1
service: shop
target:
  type: nginx
  listen: 127.0.0.1:${port}
  config: ${nginx.configFile}
  test: ${JSON.stringify(nginx.testCommand)}
  reload: ${JSON.stringify(nginx.reloadCommand)}
  start: ${JSON.stringify(testServiceCommand(['--version', '{version}']))}
  cwd: releases/{version}
  ready: { path: /health, timeout: 10s, interval: 50ms }
  restart: { delay: 50ms, maxAttempts: 1 }
  drain: 1s
`,
    );
    if (plan?.target?.type !== 'nginx') {
      await cleanup();
      throw new Error('nginx target expected');
    }
    // Started as the daemon starts it (nothing to adopt in a fresh state directory).
    const target = await NginxTarget.start({ config: plan.target, service: 'shop', planDir: dir, stateDir: join(dir, '.glidepath') }).catch(async (error: unknown) => {
      await cleanup();
      throw error;
    });
    return { target, good: ['v1', 'v2'], failing: 'v-missing', readsBackWeights: true, cleanup };
  });
});
