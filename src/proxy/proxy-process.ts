// Entry of the proxy as its own long-lived process: `proxy-process.js STATE_DIR`. It runs the same ProxyServer as
// the worker thread, serves from the routing table it persisted last, and takes commands on `STATE_DIR/proxy.sock`
// (mode 0600) from whichever daemon connects, so it keeps serving while no daemon runs.
import { readFileSync, rmSync, chmodSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { writeFileAtomic } from '../shared/atomic-file.js';
import { GlidepathError } from '../shared/errors.js';
import { CONTROL_FILES, CONTROL_PROTOCOL_VERSION, lineReader, type ControlRequest } from './control-protocol.js';
import type { ProxyOptions } from './proxy-options.js';
import { ProxyServer } from './proxy-server.js';
import type { RoutingTable } from './routing-table.js';

const stateDir = process.argv[2];
if (stateDir === undefined) throw new Error('usage: proxy-process STATE_DIR');
const dir = stateDir;
const file = (name: keyof typeof CONTROL_FILES) => join(dir, CONTROL_FILES[name]);

function persistedTable(): RoutingTable | undefined {
  try {
    return JSON.parse(readFileSync(file('routes'), 'utf8')) as RoutingTable;
  } catch {
    return undefined;
  }
}

async function handle(proxy: ProxyServer, options: ProxyOptions, msg: ControlRequest): Promise<unknown> {
  switch (msg.type) {
    case 'hello':
      return { protocol: CONTROL_PROTOCOL_VERSION, pid: process.pid, address: proxy.address, options };
    case 'setRoutes':
      proxy.setRoutes(msg.table);
      // Persisted once applied: a restarted proxy serves from the table in force when it died.
      writeFileAtomic(file('routes'), `${JSON.stringify(msg.table)}\n`, 0o600);
      return null;
    case 'drain':
      return proxy.drain(msg.version, msg.timeoutMs);
    case 'getMetrics':
      return proxy.metrics(msg.windowSeconds);
    case 'close':
      await proxy.close(msg.graceMs);
      return null;
  }
}

function serveControl(proxy: ProxyServer, options: ProxyOptions): void {
  const socketPath = file('socket');
  rmSync(socketPath, { force: true });
  const control = createServer((socket: Socket) => {
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on(
      'data',
      lineReader((line) => {
        const msg = JSON.parse(line) as ControlRequest;
        handle(proxy, options, msg).then(
          (result) => {
            socket.write(`${JSON.stringify({ type: 'reply', id: msg.id, ok: true, result })}\n`);
            if (msg.type === 'close') {
              rmSync(socketPath, { force: true });
              socket.end(() => process.exit(0));
            }
          },
          (err: unknown) => {
            const code = err instanceof GlidepathError ? err.code : 'proxy_error';
            socket.write(`${JSON.stringify({ type: 'reply', id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err), code })}\n`);
          },
        );
      }),
    );
  });
  control.listen(socketPath, () => chmodSync(socketPath, 0o600));
}

async function main(): Promise<void> {
  // Files it creates (the socket, the routing table) are the owner's alone.
  process.umask(0o077);
  const options = JSON.parse(readFileSync(file('options'), 'utf8')) as ProxyOptions;
  let proxy: ProxyServer;
  try {
    proxy = await ProxyServer.listen(options);
  } catch (err) {
    process.stderr.write(`proxy cannot listen: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(3);
  }
  const table = persistedTable();
  if (table) {
    try {
      proxy.setRoutes(table);
    } catch (err) {
      process.stderr.write(`the persisted routing table is not used: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  serveControl(proxy, options);
  process.on('SIGTERM', () => void proxy.close(5_000).then(() => process.exit(0)));
}

void main();
