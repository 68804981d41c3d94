import { describe, expect, it } from 'vitest';
import { assertVersionName, launchSpec } from './launch-spec.js';
import { RestartWindow } from './restart-window.js';
import type { VersionSpec } from './types.js';

const base: VersionSpec = {
  service: 'demo',
  version: 'v1.2',
  command: `serve --port {port} --name "release {version}"`,
  shell: false,
  cwd: '/srv/releases/v1.2',
  env: { APP_VERSION: '{version}', LISTEN: '127.0.0.1:{port}' },
  instances: 1,
  ready: { timeoutMs: 1_000, intervalMs: 100 },
  restart: { delayMs: 0, maxAttempts: 2, windowMs: 1_000 },
  drainMs: 0,
};

describe('launchSpec', () => {
  it('fills {port} and {version} into argv, cwd and env, and sets PORT', () => {
    const launch = launchSpec(base, 4100);
    expect(launch.argv).toEqual(['serve', '--port', '4100', '--name', 'release v1.2']);
    expect(launch.cwd).toBe('/srv/releases/v1.2');
    expect(launch.env).toMatchObject({ PORT: '4100', APP_VERSION: 'v1.2', LISTEN: '127.0.0.1:4100' });
  });

  it('lets the plan set PORT itself and hands a shell command to /bin/sh', () => {
    const launch = launchSpec({ ...base, shell: true, command: 'exec serve --port {port}', env: { PORT: '9' } }, 4100);
    expect(launch.argv).toEqual(['/bin/sh', '-c', 'exec serve --port 4100']);
    expect(launch.env.PORT).toBe('9');
  });

  it('refuses version names that could escape the log directory', () => {
    expect(() => assertVersionName('v1.2.3+build_7')).not.toThrow();
    for (const bad of ['..', '../x', 'a/b', '', ' v1']) expect(() => assertVersionName(bad)).toThrow(/version/);
  });
});

describe('RestartWindow', () => {
  it('allows maxAttempts restarts within the window and again once old ones age out', () => {
    const window = new RestartWindow({ maxAttempts: 2, windowMs: 1_000 });
    expect([window.take(0), window.take(100), window.take(200)]).toEqual([1, 2, undefined]);
    expect(window.take(1_050)).toBe(2);
  });
});
