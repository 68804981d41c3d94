/**
 * Starting a proxy process (serving, or a warm standby): detached in its own process group, so it outlives the
 * daemon that started it; and the first words with one before a `ProxyRemote` attaches to it.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GlidepathError } from '../shared/errors.js';
import { processAlive } from '../shared/process-alive.js';
import { CONTROL_FILES, controlSocketPath, lineReader, type ControlReply, type ProxyHello } from './control-protocol.js';

/** How long a starting proxy process may take to answer on its control socket. */
export const START_TIMEOUT_MS = 15_000;

/** How long a proxy process asked to stop may take to be gone. */
export const STOP_TIMEOUT_MS = 10_000;

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

/** Starts `proxy-process STATE_DIR [--standby]`; its output goes to `STATE_DIR/proxy.log`. */
export function spawnProxyProcess(stateDir: string, role: ProxyHello['role'] = 'serving'): SpawnedProxy {
  const logPath = join(stateDir, CONTROL_FILES.log);
  const log = openSync(logPath, 'a', 0o600);
  try {
    const args = [...entryArgs(), stateDir, ...(role === 'standby' ? ['--standby'] : [])];
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], cwd: stateDir });
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

/** Starts a proxy process and waits until its control socket answers (or it exits, saying why). */
export async function startProxy(stateDir: string, role: ProxyHello['role'] = 'serving'): Promise<{ socket: Socket; pid: number }> {
  const socketPath = controlSocketPath(stateDir, role === 'serving' ? 'socket' : 'standbySocket');
  const spawned = spawnProxyProcess(stateDir, role);
  let exited: string | undefined;
  void spawned.exited.then((why) => (exited = why));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited !== undefined) throw new GlidepathError(`the proxy process ${exited}`, { code: 'proxy_listen' });
    const found = await answering(socketPath, spawned.pid);
    if (found) return { socket: found, pid: spawned.pid };
    if (Date.now() > deadline) {
      process.kill(spawned.pid, 'SIGKILL');
      throw new GlidepathError(`the proxy process did not answer within ${START_TIMEOUT_MS / 1000}s`, { code: 'proxy_listen' });
    }
    await sleep(5);
  }
}

/** A connection to `socketPath` when the process `pid` answers there, else undefined. */
export async function answering(socketPath: string, pid: number): Promise<Socket | undefined> {
  const socket = processAlive(pid) ? await tryConnect(socketPath) : undefined;
  if (!socket) return undefined;
  const hello = await helloOf(socket).catch(() => undefined);
  if (hello !== undefined && hello.pid === pid) return socket;
  socket.destroy();
  return undefined;
}

/**
 * A connection to the Unix socket at `path`, or undefined when nothing listens there. Its errors are swallowed for
 * good (they end in `close`): a proxy killed while it answers would otherwise crash the daemon with an unhandled
 * ECONNRESET, and with it the cold restart that is the fallback of the standby.
 */
export function tryConnect(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.off('error', onError);
      socket.on('error', () => undefined);
      resolve(socket);
    });
    const onError = () => resolve(undefined);
    socket.once('error', onError);
  });
}

/** Asks `hello` on a fresh connection, before it is attached. */
export function helloOf(socket: Socket): Promise<ProxyHello> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no hello within 2s')), 2_000);
    const onClose = () => {
      clearTimeout(timer);
      reject(new Error('the connection closed before hello'));
    };
    socket.once('close', onClose);
    const onData = lineReader((line) => {
      clearTimeout(timer);
      socket.off('close', onClose);
      socket.off('data', onData);
      const reply = JSON.parse(line) as ControlReply;
      if (reply.ok) resolve(reply.result as ProxyHello);
      else reject(new Error(reply.error));
    });
    socket.setEncoding('utf8');
    socket.on('data', onData);
    socket.write(`${JSON.stringify({ id: 0, type: 'hello' })}\n`);
  });
}

/** Asks the process behind `socket` to stop and waits until it is gone. */
export async function stopFound(socket: Socket, pid: number | undefined): Promise<void> {
  socket.write(`${JSON.stringify({ id: 0, type: 'close', graceMs: 5_000 })}\n`);
  await new Promise((resolve) => socket.once('close', resolve));
  if (pid !== undefined) await untilGone(pid);
}

/** Waits, at most {@link STOP_TIMEOUT_MS}, until process `pid` is gone (torn down, and reaped if it is our child). */
export async function untilGone(pid: number): Promise<void> {
  for (let i = 0; i < STOP_TIMEOUT_MS / 20 && processAlive(pid); i++) await sleep(20);
}
