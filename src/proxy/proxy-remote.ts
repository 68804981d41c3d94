/**
 * The daemon's side of the proxy process: adopts the one running for the project (when it speaks this protocol
 * and was started with these settings), replaces it gracefully otherwise, or starts one; restarts it when it dies.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { writeFileAtomic } from '../shared/atomic-file.js';
import { GlidepathError } from '../shared/errors.js';
import { CONTROL_FILES, CONTROL_PROTOCOL_VERSION, lineReader, type ControlCommands, type ControlReply, type ProxyHello } from './control-protocol.js';
import type { ProxyOptions } from './proxy-options.js';
import type { ProxyMetricsSnapshot } from './proxy-server.js';
import { spawnProxyProcess } from './proxy-spawn.js';
import type { DrainResult } from './router.js';
import { validateRoutingTable, type RoutingTable } from './routing-table.js';

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };

/** How the proxy process behind a `ProxyRemote` came to be, and each restart after its death. */
export interface ProxyProcessInfo {
  pid: number;
  how: 'adopted' | 'started' | 'replaced';
  /** Restarts after the proxy process died, each with the time it took to answer again. */
  restarts: Array<{ at: string; ms: number; reason: string }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sameOptions(a: ProxyOptions, b: ProxyOptions): boolean {
  const canonical = (o: ProxyOptions) => JSON.stringify(Object.entries(o).filter(([, v]) => v !== undefined).sort(([x], [y]) => x.localeCompare(y)));
  return canonical(a) === canonical(b);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Drives the project's proxy process over `.glidepath/proxy.sock`. */
export class ProxyRemote {
  readonly info: ProxyProcessInfo;
  readonly #stateDir: string;
  readonly #pending = new Map<number, Pending>();
  readonly #restartListeners = new Set<() => void>();
  #socket: Socket;
  #nextId = 1;
  #ending = false;
  #recovering: Promise<void> | undefined;

  private constructor(stateDir: string, socket: Socket, info: ProxyProcessInfo) {
    this.#stateDir = stateDir;
    this.info = info;
    this.#socket = this.#attach(socket);
  }

  /** Adopts the running proxy, or starts one; resolves once it listens on `options`' address and answers. */
  static async open(stateDir: string, options: ProxyOptions): Promise<ProxyRemote> {
    const socketPath = join(stateDir, CONTROL_FILES.socket);
    writeFileAtomic(join(stateDir, CONTROL_FILES.options), `${JSON.stringify(options)}\n`, 0o600);
    let how: ProxyProcessInfo['how'] = 'started';
    const found = await tryConnect(socketPath);
    if (found) {
      const hello = await helloOf(found).catch(() => undefined);
      if (hello && hello.protocol === CONTROL_PROTOCOL_VERSION && sameOptions(hello.options, options)) {
        return new ProxyRemote(stateDir, found, { pid: hello.pid, how: 'adopted', restarts: [] });
      }
      // Another protocol or other settings: this one stops (in-flight requests finish) and a new one starts.
      found.write(`${JSON.stringify({ id: 0, type: 'close', graceMs: 5_000 })}\n`);
      await new Promise((resolve) => found.once('close', resolve));
      if (hello) for (let i = 0; i < STOP_TIMEOUT_MS / 20 && alive(hello.pid); i++) await sleep(20);
      how = 'replaced';
    }
    const { socket, pid } = await startProxy(stateDir, socketPath);
    return new ProxyRemote(stateDir, socket, { pid, how, restarts: [] });
  }

  /** Replaces the routing table atomically (the proxy persists it); rejects, changing nothing, when invalid. */
  async setRoutes(table: RoutingTable): Promise<void> {
    await this.#call('setRoutes', { table: validateRoutingTable(table) });
  }

  /** Stops new requests to `version`; resolves when its in-flight requests finished or `timeoutMs` passed. */
  drain(version: string, timeoutMs: number): Promise<DrainResult> {
    return this.#call('drain', { version, timeoutMs });
  }

  /** Every version's metrics over the last `windowSeconds`, as the proxy counted them (also while no daemon ran). */
  getMetrics(windowSeconds = 60): Promise<ProxyMetricsSnapshot> {
    return this.#call('getMetrics', { windowSeconds });
  }

  /** Calls `listener` after the proxy process died and a new one answers (it serves its persisted table). */
  onRestart(listener: () => void): () => void {
    this.#restartListeners.add(listener);
    return () => this.#restartListeners.delete(listener);
  }

  /** Stops the proxy process (in-flight requests get up to `graceMs`); resolves once it is gone. */
  async close(graceMs = 5000): Promise<void> {
    await this.#recovering?.catch(() => undefined);
    const reply = this.#call('close', { graceMs }).catch(() => undefined);
    this.#ending = true;
    await reply;
    for (let i = 0; i < STOP_TIMEOUT_MS / 20 && alive(this.info.pid); i++) await sleep(20);
    if (alive(this.info.pid)) process.kill(this.info.pid, 'SIGKILL');
    this.#socket.destroy();
  }

  /** Lets go of the proxy process, which keeps serving its last routing table for the next daemon to adopt. */
  detach(): Promise<void> {
    this.#ending = true;
    return new Promise((resolve) => this.#socket.end(resolve));
  }

  #attach(socket: Socket): Socket {
    socket.setEncoding('utf8');
    socket.on('data', lineReader((line) => this.#onReply(JSON.parse(line) as ControlReply)));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      const lost = new GlidepathError('the connection to the proxy process closed', { code: 'proxy_gone' });
      for (const p of this.#pending.values()) p.reject(lost);
      this.#pending.clear();
      if (!this.#ending) this.#recovering = this.#recover();
    });
    return socket;
  }

  /** The proxy died (or its socket did): connect again, or start a new one that serves its persisted table. */
  async #recover(): Promise<void> {
    try {
      await this.#reconnect();
    } catch {
      // The address may still be held a moment (or the machine is short of something): try again shortly.
      if (!this.#ending) this.#recovering = sleep(500).then(() => this.#recover());
    }
  }

  async #reconnect(): Promise<void> {
    const began = performance.now();
    const socketPath = join(this.#stateDir, CONTROL_FILES.socket);
    let socket = alive(this.info.pid) ? await tryConnect(socketPath) : undefined;
    let reason = 'its control connection closed';
    if (!socket) {
      reason = `pid ${this.info.pid} died`;
      const started = await startProxy(this.#stateDir, socketPath);
      socket = started.socket;
      this.info.pid = started.pid;
    }
    this.#socket = this.#attach(socket);
    this.info.restarts.push({ at: new Date().toISOString(), ms: Math.round(performance.now() - began), reason });
    this.#recovering = undefined;
    for (const listener of this.#restartListeners) listener();
  }

  async #call<K extends keyof ControlCommands>(type: K, args: ControlCommands[K]['args']): Promise<ControlCommands[K]['result']> {
    if (this.#ending) throw new GlidepathError('the proxy process is let go', { code: 'proxy_gone' });
    await this.#recovering;
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#socket.write(`${JSON.stringify({ id, type, ...args })}\n`);
    });
  }

  #onReply(msg: ControlReply): void {
    const p = this.#pending.get(msg.id);
    if (p === undefined) return;
    this.#pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new GlidepathError(msg.error, { code: msg.code }));
  }
}

/** Starts a proxy process and waits until its control socket answers (or it exits, saying why). */
async function startProxy(stateDir: string, socketPath: string): Promise<{ socket: Socket; pid: number }> {
  const spawned = spawnProxyProcess(stateDir);
  let exited: string | undefined;
  void spawned.exited.then((why) => (exited = why));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited !== undefined) throw new GlidepathError(`the proxy process ${exited}`, { code: 'proxy_listen' });
    const socket = alive(spawned.pid) ? await tryConnect(socketPath) : undefined;
    if (socket) {
      const hello = await helloOf(socket).catch(() => undefined);
      if (hello?.pid === spawned.pid) return { socket, pid: spawned.pid };
      socket.destroy();
    }
    if (Date.now() > deadline) {
      process.kill(spawned.pid, 'SIGKILL');
      throw new GlidepathError(`the proxy process did not answer within ${START_TIMEOUT_MS / 1000}s`, { code: 'proxy_listen' });
    }
    await sleep(5);
  }
}

function tryConnect(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = () => resolve(undefined);
    socket.once('error', onError);
  });
}

/** Asks `hello` on a fresh connection, before it is attached. */
function helloOf(socket: Socket): Promise<ProxyHello> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no hello within 2s')), 2_000);
    const onData = lineReader((line) => {
      clearTimeout(timer);
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
