/** Stopping the proxy processes a daemon that is gone left serving: the ones answering on the project's sockets. */
import { processAlive } from '../shared/process-alive.js';
import { controlSocketPath } from './control-protocol.js';
import { helloOf, stopFound, tryConnect } from './proxy-spawn.js';

/** A proxy process stopped, with its role. */
export interface StoppedProxy {
  pid: number;
  role: 'serving' | 'standby';
}

/**
 * Stops the standby, then the serving proxy, of the project whose state directory is `stateDir`: only processes
 * that answer `hello` on its control sockets (so they are this project's proxies, whatever their pid), each
 * asked to close (in-flight requests finish) and killed if it has not gone within the stop timeout.
 */
export async function stopProxyProcesses(stateDir: string): Promise<StoppedProxy[]> {
  const stopped: StoppedProxy[] = [];
  for (const name of ['standbySocket', 'socket'] as const) {
    const socket = await tryConnect(controlSocketPath(stateDir, name));
    if (!socket) continue;
    const hello = await helloOf(socket).catch(() => undefined);
    if (!hello) {
      socket.destroy();
      continue;
    }
    await stopFound(socket, hello.pid);
    if (processAlive(hello.pid)) process.kill(hello.pid, 'SIGKILL');
    stopped.push({ pid: hello.pid, role: hello.role });
  }
  return stopped;
}
