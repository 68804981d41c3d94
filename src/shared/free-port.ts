/** A free TCP port on loopback, for tests, the demo and benchmarks. */
import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago: bound on port 0, then closed. Another process may take it before
 * the caller listens on it; callers that can listen on port 0 themselves should.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
