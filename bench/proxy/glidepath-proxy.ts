// Runs glidepath's proxy for the benchmark, as the daemon would (on its worker thread), with a 90/10 split.
// Usage: node --import tsx bench/proxy/glidepath-proxy.ts LISTEN_PORT BACKEND_PORT_A BACKEND_PORT_B
import { ProxyHost } from '../../src/proxy/index.js';

const [listen, a, b] = process.argv.slice(2).map(Number);
if (!listen || !a || !b) throw new Error('usage: glidepath-proxy.ts LISTEN_PORT BACKEND_PORT_A BACKEND_PORT_B');

const host = await ProxyHost.start({ host: '127.0.0.1', port: listen, seed: 1 });
await host.setRoutes({
  versions: [
    { version: 'stable', weight: 90, instances: [{ host: '127.0.0.1', port: a }] },
    { version: 'canary', weight: 10, instances: [{ host: '127.0.0.1', port: b }] },
  ],
});
process.stdout.write('ready\n');
const stop = (): void => {
  void host.close(500).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
