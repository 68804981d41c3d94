// Entry of the proxy as its own long-lived process: `proxy-process.js STATE_DIR [--standby]`. It runs the same
// ProxyServer as the worker thread, serves from the routing table it persisted last, and takes commands on its
// control socket (mode 0600) from whichever daemon connects, so it keeps serving while no daemon runs.
// With --standby it loads everything, answers on the standby socket, and watches the serving one's control socket:
// when that connection drops while the socket file is still there (the serving proxy died; one stopped on purpose
// removes it first), it listens on the address itself with the persisted table and becomes the serving proxy.
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../shared/atomic-file.js';
import { failedReply, handleProxyCommand } from './control-handler.js';
import { CONTROL_FILES, CONTROL_PROTOCOL_VERSION, controlSocketPath, lineReader, type ControlRequest, type ProxyHello } from './control-protocol.js';
import type { ProxyOptions } from './proxy-options.js';
import { ProxyServer } from './proxy-server.js';
import type { RoutingTable } from './routing-table.js';

const stateDir = process.argv[2];
if (stateDir === undefined) throw new Error('usage: proxy-process STATE_DIR [--standby]');
const dir = stateDir;
const file = (name: 'options' | 'routes') => join(dir, CONTROL_FILES[name]);
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} pid ${process.pid}: ${line}\n`);

function persistedTable(): RoutingTable | undefined {
  try {
    return JSON.parse(readFileSync(file('routes'), 'utf8')) as RoutingTable;
  } catch {
    return undefined;
  }
}

/** Applies the persisted table, before listening: a proxy never answers while it knows no version it knew. */
function loadTable(proxy: ProxyServer): void {
  const table = persistedTable();
  if (!table) return;
  try {
    proxy.setRoutes(table);
  } catch (err) {
    log(`the persisted routing table is not used: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function answer(proxy: ProxyServer, options: ProxyOptions, role: ProxyHello['role'], msg: ControlRequest): Promise<unknown> {
  if (msg.type === 'hello') return { protocol: CONTROL_PROTOCOL_VERSION, pid: process.pid, role, address: role === 'serving' ? proxy.address : { host: options.host ?? '', port: options.port ?? 0 }, options } satisfies ProxyHello;
  if (role === 'standby') return msg.type === 'getMetrics' ? proxy.metrics(msg.windowSeconds) : null;
  const result = await handleProxyCommand(proxy, msg);
  // Persisted once applied: a restarted proxy (or the standby taking over) serves the table in force when it died.
  if (msg.type === 'setRoutes') writeFileAtomic(file('routes'), `${JSON.stringify(msg.table)}\n`, 0o600);
  return result;
}

/** Answers commands on the control socket `name`; `close` (or, on the standby, its end) ends this process. */
function serveControl(proxy: ProxyServer, options: ProxyOptions, role: ProxyHello['role']): Server {
  const socketPath = controlSocketPath(dir, role === 'serving' ? 'socket' : 'standbySocket');
  rmSync(socketPath, { force: true });
  const control = createServer((socket: Socket) => {
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on(
      'data',
      lineReader((line) => {
        const msg = JSON.parse(line) as ControlRequest;
        answer(proxy, options, role, msg).then(
          (result) => {
            socket.write(`${JSON.stringify({ type: 'reply', id: msg.id, ok: true, result })}\n`);
            if (msg.type === 'close') {
              // Removed before exiting: the standby tells a stop on purpose from a death by it.
              rmSync(socketPath, { force: true });
              socket.end(() => process.exit(0));
            }
          },
          (err: unknown) => socket.write(`${JSON.stringify(failedReply(msg.id, err))}\n`),
        );
      }),
    );
  });
  control.listen(socketPath, () => chmodSync(socketPath, 0o600));
  process.on('SIGTERM', () => {
    rmSync(socketPath, { force: true });
    if (role === 'standby') process.exit(0);
    void proxy.close(5_000).then(() => process.exit(0));
  });
  return control;
}

async function serve(options: ProxyOptions): Promise<void> {
  const proxy = ProxyServer.prepare(options);
  loadTable(proxy);
  try {
    await proxy.start();
  } catch (err) {
    log(`proxy cannot listen: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(3);
  }
  serveControl(proxy, options, 'serving');
  log(`serving on ${proxy.address.host}:${proxy.address.port}, ${Math.round(performance.now())} ms after this process started`);
}

/** How long a standby keeps trying the address a dead serving proxy held before it gives up. */
const ADDRESS_RELEASE_MS = 2_000;

/**
 * Listens, trying again while the address is still taken. A serving proxy killed with SIGKILL has its files closed
 * by the kernel one by one: the standby can see its control connection close before its listening socket is gone.
 */
async function listenOnceReleased(proxy: ProxyServer): Promise<void> {
  const deadline = performance.now() + ADDRESS_RELEASE_MS;
  for (;;) {
    try {
      await proxy.start();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || performance.now() > deadline) throw err;
      await sleep(5);
    }
  }
}

/** Waits, ready, for the serving proxy to die, then takes its place. */
function standBy(options: ProxyOptions): void {
  const proxy = ProxyServer.prepare(options);
  const servingSocket = controlSocketPath(dir, 'socket');
  const watch = connect(servingSocket);
  let connected = false;
  watch.once('error', () => undefined);
  watch.once('close', () => {
    if (connected) return;
    log(`no serving proxy answers on ${servingSocket} to stand by for`);
    process.exit(4);
  });
  watch.once('connect', () => {
    connected = true;
    const control = serveControl(proxy, options, 'standby');
    watch.once('close', () => {
      const lost = performance.now();
      control.close();
      rmSync(controlSocketPath(dir, 'standbySocket'), { force: true });
      if (!existsSync(servingSocket)) process.exit(0);
      loadTable(proxy);
      listenOnceReleased(proxy).then(
        () => {
          process.removeAllListeners('SIGTERM');
          // What `ps` shows says what it is now: the serving proxy (the same command line without --standby).
          process.title = [process.execPath, ...process.execArgv, ...process.argv.slice(1, 3)].join(' ');
          serveControl(proxy, options, 'serving');
          log(`took over serving on ${proxy.address.host}:${proxy.address.port} ${(performance.now() - lost).toFixed(1)} ms after the serving proxy went away`);
        },
        (err: unknown) => {
          log(`the standby cannot listen: ${err instanceof Error ? err.message : String(err)}`);
          process.exit(3);
        },
      );
    });
  });
}

function main(): void {
  // Files it creates (the sockets, the routing table) are the owner's alone.
  process.umask(0o077);
  const options = JSON.parse(readFileSync(file('options'), 'utf8')) as ProxyOptions;
  if (process.argv[3] === '--standby') standBy(options);
  else void serve(options);
}

main();
