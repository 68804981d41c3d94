/** Starting the proxy process: detached in its own process group, so it outlives the daemon that started it. */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GlidepathError } from '../shared/errors.js';
import { CONTROL_FILES } from './control-protocol.js';

/** The node arguments that run the proxy entry: the built JavaScript, or the TypeScript source through tsx. */
function entryArgs(): string[] {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return [fileURLToPath(new URL('./proxy-process.js', self))];
  const tsx = join(dirname(createRequire(self).resolve('tsx/package.json')), 'dist/esm/index.mjs');
  return ['--import', pathToFileURL(tsx).href, fileURLToPath(new URL('./proxy-process.ts', self))];
}

/** A started proxy process: its pid, and a promise that settles if it exits (only while this process lives). */
export interface SpawnedProxy {
  pid: number;
  exited: Promise<string>;
}

/** Starts `proxy-process STATE_DIR`; its output goes to `STATE_DIR/proxy.log`. */
export function spawnProxyProcess(stateDir: string): SpawnedProxy {
  const logPath = join(stateDir, CONTROL_FILES.log);
  const log = openSync(logPath, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [...entryArgs(), stateDir], { detached: true, stdio: ['ignore', log, log], cwd: stateDir });
    if (child.pid === undefined) throw new GlidepathError('the proxy process could not be started');
    child.unref();
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(`${signal ? `killed by ${signal}` : `exited with code ${String(code)}`}: ${lastLine(logPath)}`));
      child.once('error', (error) => resolve(error.message));
    });
    return { pid: child.pid, exited };
  } finally {
    closeSync(log);
  }
}

function lastLine(path: string): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').at(-1) ?? '';
  } catch {
    return '';
  }
}
