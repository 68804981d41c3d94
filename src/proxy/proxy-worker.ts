// Entry of the proxy's worker thread: runs a ProxyServer and answers the host's commands (proxy-protocol.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { failedReply, handleProxyCommand } from './control-handler.js';
import type { HostMessage, ProxyWorkerData, WorkerMessage } from './proxy-protocol.js';
import { ProxyServer } from './proxy-server.js';

const port = parentPort;
if (port === null) throw new Error('proxy-worker.ts must run as a worker thread');
const data = workerData as ProxyWorkerData;

function post(message: WorkerMessage): void {
  port?.postMessage(message);
}

async function main(): Promise<void> {
  let proxy: ProxyServer;
  try {
    proxy = await ProxyServer.listen(data.options);
  } catch (err) {
    post({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
    return;
  }
  let timer: NodeJS.Timeout | null = null;
  if (data.metricsIntervalMs > 0) {
    timer = setInterval(() => post({ type: 'metrics', snapshot: proxy.metrics(data.metricsWindowSeconds) }), data.metricsIntervalMs);
  }
  port?.on('message', (msg: HostMessage) => {
    if (msg.type === 'close' && timer !== null) clearInterval(timer);
    handleProxyCommand(proxy, msg).then(
      (result) => {
        post({ type: 'reply', id: msg.id, ok: true, result });
        if (msg.type === 'close') port.close();
      },
      (err: unknown) => post(failedReply(msg.id, err)),
    );
  });
  post({ type: 'ready', address: proxy.address });
}

void main();
