/** Test help: a real redis-server on loopback. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnavailableError } from '../shared/errors.js';
import { requirePrograms } from './require-program.js';
import { freePort } from '../shared/free-port.js';

/** A throwaway redis-server on loopback, without persistence, owned by the test that started it. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Stops the server by its pid (SIGTERM, then SIGKILL) and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

const START_ATTEMPTS = 3;
const READY_TIMEOUT_MS = 10_000;

/**
 * Why redis-server cannot start here, or undefined when it can; under GLIDEPATH_REQUIRE_ALL=1 it throws, so
 * `describe.skipIf(redisServerMissing())` fails in CI instead of skipping.
 */
export function redisServerMissing(): string | undefined {
  return requirePrograms('redis-server').missing;
}

/** Starts `redis-server --save '' --appendonly no` on a free loopback port and waits until it accepts connections. */
export async function startRedisServer(options: { password?: string } = {}): Promise<RedisServer> {
  const { paths, missing } = requirePrograms('redis-server');
  if (missing) throw new UnavailableError(`cannot start Redis: ${missing}`);
  const dir = await mkdtemp(join(tmpdir(), 'glidepath-redis-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    if (options.password) args.push('--requirepass', options.password);
    const child = spawn(paths['redis-server'] as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    try {
      await waitForPort(port, child);
      return makeServer(child, port, dir);
    } catch (error) {
      lastError = new Error(`${String(error instanceof Error ? error.message : error)}\n${output}`);
      await stopChild(child);
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new UnavailableError('start redis-server', lastError);
}

function makeServer(child: ChildProcess, port: number, dir: string): RedisServer {
  let stopped: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    stop() {
      stopped ??= (async () => {
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server exited (${String(child.exitCode ?? child.signalCode)})`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not listen on ${port} within ${READY_TIMEOUT_MS}ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** SIGTERM by pid, SIGKILL after 5s, resolved once the process has exited. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

