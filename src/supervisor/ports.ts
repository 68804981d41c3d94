/** Loopback ports for instances: a free one, or the one an instance had before when it is still free. */
import { createServer } from 'node:net';
import { INSTANCE_HOST } from './types.js';

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: INSTANCE_HOST, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A port on 127.0.0.1 that nobody listens on now: `preferred` when it is free, else one the kernel picks.
 * Ports in `taken` (handed to other instances that may not listen yet) are never returned.
 */
export async function allocatePort(taken: ReadonlySet<number>, preferred?: number): Promise<number> {
  if (preferred !== undefined && !taken.has(preferred)) {
    const port = await tryListen(preferred);
    if (port !== undefined) return port;
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await tryListen(0);
    if (port !== undefined && !taken.has(port)) return port;
  }
  throw new Error('no free loopback port found');
}
