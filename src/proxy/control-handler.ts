/** The proxy's commands, carried out the same way whether they come over the worker port or the control socket. */
import { GlidepathError } from '../shared/errors.js';
import type { HostMessage, WorkerMessage } from './proxy-protocol.js';
import type { ProxyServer } from './proxy-server.js';

/** Carries out one command on `proxy`; resolves with its result. */
export async function handleProxyCommand(proxy: ProxyServer, msg: HostMessage): Promise<unknown> {
  switch (msg.type) {
    case 'setRoutes':
      proxy.setRoutes(msg.table);
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

/** The reply message for a command `id` that failed with `err`. */
export function failedReply(id: number, err: unknown): Extract<WorkerMessage, { type: 'reply' }> {
  const code = err instanceof GlidepathError ? err.code : 'proxy_error';
  return { type: 'reply', id, ok: false, error: err instanceof Error ? err.message : String(err), code };
}
