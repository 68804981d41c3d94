// Runs glidepath's proxy for the benchmark, as the daemon would (on its worker thread), with a 90/10 split.
// Usage: node --import tsx bench/proxy/glidepath-proxy.ts LISTEN_PORT BACKEND_PORT_A BACKEND_PORT_B [--main-thread|--process]
//
// --process runs it as the daemon does now: its own detached process (proxy-process.ts), driven over a Unix socket.
//
// --main-thread runs the same proxy (ProxyServer) on the main thread instead, so that a profiler sees it:
//   node --cpu-prof --import tsx bench/proxy/glidepath-proxy.ts 8080 8081 8082 --main-thread   (stop with Ctrl-C)
//   node --perf-basic-prof --import tsx bench/proxy/glidepath-proxy.ts …   with `perf record -g -p PID`
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyHost, ProxyRemote, ProxyServer, type RoutingTable } from '../../src/proxy/index.js';

const mainThread = process.argv.includes('--main-thread');
const ownProcess = process.argv.includes('--process');
const [listen, a, b] = process.argv
  .slice(2)
  .filter((x) => !x.startsWith('--'))
  .map(Number);
if (!listen || !a || !b) {
  throw new Error('usage: glidepath-proxy.ts LISTEN_PORT BACKEND_PORT_A BACKEND_PORT_B [--main-thread]');
}

const table: RoutingTable = {
  versions: [
    { version: 'stable', weight: 90, instances: [{ host: '127.0.0.1', port: a }] },
    { version: 'canary', weight: 10, instances: [{ host: '127.0.0.1', port: b }] },
  ],
};
const options = { host: '127.0.0.1', port: listen, seed: 1 };
let close: () => Promise<void>;
if (mainThread) {
  const proxy = await ProxyServer.listen(options);
  proxy.setRoutes(table);
  close = () => proxy.close(500);
} else if (ownProcess) {
  const stateDir = mkdtempSync(join(tmpdir(), 'glidepath-bench-proxy-'));
  const remote = await ProxyRemote.open(stateDir, options);
  await remote.setRoutes(table);
  close = () => remote.close(500).finally(() => rmSync(stateDir, { recursive: true, force: true }));
} else {
  const host = await ProxyHost.start(options);
  await host.setRoutes(table);
  close = () => host.close(500);
}
process.stdout.write('ready\n');
// process.exit runs 'exit' handlers, so --cpu-prof still writes its profile
const stop = (): void => {
  void close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
