/**
 * The daemon's side of the proxy process: adopts the one running for the project (when it speaks this protocol
 * and was started with these settings), replaces it gracefully otherwise, or starts one; keeps a warm standby
 * beside it that takes the address over by itself the moment the serving one dies, and starts a new standby then.
 */
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../shared/atomic-file.js';
import { GlidepathError } from '../shared/errors.js';
import { processAlive } from '../shared/process-alive.js';
import { CONTROL_FILES, CONTROL_PROTOCOL_VERSION, controlSocketPath, lineReader, type ControlCommands, type ControlReply, type ProxyHello } from './control-protocol.js';
import type { ProxyOptions } from './proxy-options.js';
import type { ProxyMetricsSnapshot } from './proxy-server.js';
import { START_TIMEOUT_MS, answering, helloOf, spawnProxyProcess, startProxy, stopFound, tryConnect, untilGone } from './proxy-spawn.js';
import type { DrainResult } from './router.js';
import { validateRoutingTable, type RoutingTable } from './routing-table.js';

/** How long a standby may take to answer as the serving proxy before a new one is started instead. */
const TAKEOVER_TIMEOUT_MS = 3_000;

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };

/** How the proxy process behind a `ProxyRemote` came to be, and each restart after its death. */
export interface ProxyProcessInfo {
  pid: number;
  how: 'adopted' | 'started' | 'replaced';
  /** The warm standby's pid; null while none runs. */
  standbyPid: number | null;
  /** Restarts after the proxy process died, each with the time it took to answer again. */
  restarts: Array<{ at: string; ms: number; reason: string }>;
}

function sameOptions(a: ProxyOptions, b: ProxyOptions): boolean {
  const canonical = (o: ProxyOptions) => JSON.stringify(Object.entries(o).filter(([, v]) => v !== undefined).sort(([x], [y]) => x.localeCompare(y)));
  return canonical(a) === canonical(b);
}

/** A running proxy found on `socketPath` that speaks this protocol with these settings, or nothing (others stop). */
async function adoptable(socketPath: string, options: ProxyOptions): Promise<{ socket: Socket; hello: ProxyHello } | 'replaced' | undefined> {
  const found = await tryConnect(socketPath);
  if (!found) return undefined;
  const hello = await helloOf(found).catch(() => undefined);
  if (hello && hello.protocol === CONTROL_PROTOCOL_VERSION && sameOptions(hello.options, options)) return { socket: found, hello };
  // Another protocol or other settings: this one stops (in-flight requests finish) and a new one starts.
  await stopFound(found, hello?.pid);
  return 'replaced';
}

/** Drives the project's proxy process over its control socket (`.glidepath/proxy.sock`). */
export class ProxyRemote {
  readonly info: ProxyProcessInfo;
  readonly #stateDir: string;
  readonly #pending = new Map<number, Pending>();
  readonly #restartListeners = new Set<() => void>();
  #socket: Socket;
  #standby: Socket | undefined;
  #standbyStarting: Promise<void> | undefined;
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
    const socketPath = controlSocketPath(stateDir, 'socket');
    const standbyPath = controlSocketPath(stateDir, 'standbySocket');
    writeFileAtomic(join(stateDir, CONTROL_FILES.options), `${JSON.stringify(options)}\n`, 0o600);
    const serving = await adoptable(socketPath, options);
    const standby = await adoptable(standbyPath, options);
    let remote: ProxyRemote;
    if (serving !== undefined && serving !== 'replaced') {
      remote = new ProxyRemote(stateDir, serving.socket, { pid: serving.hello.pid, how: 'adopted', standbyPid: null, restarts: [] });
    } else {
      // A standby of a replaced proxy has no one to stand by: a new pair starts.
      if (standby !== undefined && standby !== 'replaced') await stopFound(standby.socket, standby.hello.pid);
      const { socket, pid } = await startProxy(stateDir);
      remote = new ProxyRemote(stateDir, socket, { pid, how: serving === 'replaced' ? 'replaced' : 'started', standbyPid: null, restarts: [] });
      await remote.#startStandby();
      return remote;
    }
    if (standby !== undefined && standby !== 'replaced') remote.#attachStandby(standby.socket, standby.hello.pid);
    else await remote.#startStandby();
    return remote;
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

  /** Stops the standby, then the proxy process (in-flight requests get up to `graceMs`); resolves once both are gone. */
  async close(graceMs = 5000): Promise<void> {
    await this.#recovering?.catch(() => undefined);
    this.#ending = true;
    const standbyPid = this.info.standbyPid;
    if (this.#standby) await stopFound(this.#standby, standbyPid ?? undefined);
    // One still starting is not attached yet: it is stopped by its pid.
    else if (standbyPid !== null && processAlive(standbyPid)) {
      process.kill(standbyPid, 'SIGKILL');
      await untilGone(standbyPid);
    }
    await this.#send('close', { graceMs }).catch(() => undefined);
    await untilGone(this.info.pid);
    if (processAlive(this.info.pid)) process.kill(this.info.pid, 'SIGKILL');
    this.#socket.destroy();
  }

  /** Lets go of the proxy process and its standby, which keep serving for the next daemon to adopt. */
  async detach(): Promise<void> {
    this.#ending = true;
    this.#standby?.end();
    await new Promise<void>((resolve) => this.#socket.end(resolve));
  }

  #attach(socket: Socket): Socket {
    socket.setEncoding('utf8');
    socket.on('data', lineReader((line) => this.#onReply(JSON.parse(line) as ControlReply)));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      const lost = new GlidepathError('the connection to the proxy process closed', { code: 'proxy_gone' });
      for (const p of this.#pending.values()) p.reject(lost);
      this.#pending.clear();
      if (!this.#ending) this.#recovering = this.#recover(performance.now());
    });
    return socket;
  }

  /** Keeps the standby's connection: when it closes, the standby died (or took over) and a new one is started. */
  #attachStandby(socket: Socket, pid: number): void {
    this.#standby = socket;
    this.info.standbyPid = pid;
    socket.on('error', () => undefined);
    socket.once('close', () => {
      if (this.#standby !== socket) return;
      this.#standby = undefined;
      // Taking over, it answers on the serving socket: #recover promotes it and starts the next standby.
      if (this.#ending || this.#recovering) return;
      this.info.standbyPid = null;
      this.#beginStandby(100);
    });
  }

  /**
   * Starts a warm standby. Its pid is known at once, so a serving proxy that dies while the standby still starts is
   * taken over by it when it was already watching (or restarted cold when it was not). A standby that fails is
   * tried again later, each wait twice the one before (up to 30 s).
   */
  async #startStandby(retryMs = 1_000): Promise<void> {
    if (this.#ending) return;
    const standbyPath = controlSocketPath(this.#stateDir, 'standbySocket');
    const spawned = spawnProxyProcess(this.#stateDir, 'standby');
    this.info.standbyPid = spawned.pid;
    let exited = false;
    void spawned.exited.then(() => (exited = true));
    const deadline = Date.now() + START_TIMEOUT_MS;
    let socket: Socket | undefined;
    // Until it answers, exits, or took over (then it is the serving proxy and no longer the standby).
    while (!socket && !exited && !this.#ending && this.info.standbyPid === spawned.pid && Date.now() < deadline) {
      socket = await answering(standbyPath, spawned.pid);
      if (!socket) await sleep(5);
    }
    if (socket && this.info.standbyPid === spawned.pid && !this.#ending) {
      this.#attachStandby(socket, spawned.pid);
      return;
    }
    socket?.destroy();
    if (this.info.standbyPid !== spawned.pid) return;
    if (processAlive(spawned.pid)) process.kill(spawned.pid, 'SIGKILL');
    this.info.standbyPid = null;
    if (!this.#ending) this.#beginStandby(retryMs, Math.min(retryMs * 2, 30_000));
  }

  /** Starts a standby in the background after `delayMs`. */
  #beginStandby(delayMs: number, retryMs = 1_000): void {
    const run = sleep(delayMs).then(() => this.#startStandby(retryMs));
    this.#standbyStarting = run;
    void run.finally(() => {
      if (this.#standbyStarting === run) this.#standbyStarting = undefined;
    });
  }

  /** The proxy died (or its socket did): the standby took over, or connect again, or start a new one. */
  async #recover(lostAt: number): Promise<void> {
    try {
      await this.#reconnect(lostAt);
    } catch {
      // The address may still be held a moment (or the machine is short of something): try again shortly.
      if (!this.#ending) this.#recovering = sleep(500).then(() => this.#recover(lostAt));
    }
  }

  async #reconnect(lostAt: number): Promise<void> {
    const socketPath = controlSocketPath(this.#stateDir, 'socket');
    let socket = processAlive(this.info.pid) ? await answering(socketPath, this.info.pid) : undefined;
    let reason = 'its control connection closed';
    const standbyPid = this.info.standbyPid;
    if (!socket && standbyPid !== null) {
      for (let i = 0; i < TAKEOVER_TIMEOUT_MS / 2 && !socket && processAlive(standbyPid); i++) {
        socket = await answering(socketPath, standbyPid);
        if (!socket) await sleep(2);
      }
      const standby = this.#standby;
      this.info.standbyPid = null;
      this.#standby = undefined;
      standby?.destroy();
      if (socket) {
        reason = `pid ${this.info.pid} died; the standby (pid ${standbyPid}) took over`;
        this.info.pid = standbyPid;
      } else if (processAlive(standbyPid)) {
        process.kill(standbyPid, 'SIGKILL');
      }
    }
    if (!socket) {
      reason = `pid ${this.info.pid} died`;
      const started = await startProxy(this.#stateDir);
      socket = started.socket;
      this.info.pid = started.pid;
    }
    this.#socket = this.#attach(socket);
    this.info.restarts.push({ at: new Date().toISOString(), ms: Math.round(performance.now() - lostAt), reason });
    this.#recovering = undefined;
    if (!this.#standby && this.info.standbyPid === null) this.#beginStandby(0);
    for (const listener of this.#restartListeners) listener();
  }

  async #call<K extends keyof ControlCommands>(type: K, args: ControlCommands[K]['args']): Promise<ControlCommands[K]['result']> {
    if (this.#ending) throw new GlidepathError('the proxy process is let go', { code: 'proxy_gone' });
    await this.#recovering;
    return this.#send(type, args);
  }

  #send<K extends keyof ControlCommands>(type: K, args: ControlCommands[K]['args']): Promise<ControlCommands[K]['result']> {
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
