/** What a daemon that died leaves serving, found from the project's records and stopped: `down` with no daemon. */
import { stopProxyProcesses, type StoppedProxy } from '../../proxy/index.js';
import { ProcessSupervisor } from '../../supervisor/process-supervisor.js';

/** The proxy processes and the version processes stopped. */
export interface StoppedLeftovers {
  proxies: StoppedProxy[];
  versions: Array<{ version: string; pid: number }>;
}

/**
 * Stops the proxy processes answering on the project's control sockets, then the version processes recorded in
 * processes.json that are still the processes recorded (same pid and start time). What served stays recorded in
 * traffic.json, so `up` brings it back. Only for a project whose daemon is not running.
 */
export async function stopLeftoverServing(stateDir: string): Promise<StoppedLeftovers> {
  const proxies = await stopProxyProcesses(stateDir);
  const supervisor = new ProcessSupervisor({ stateDir });
  const found = await supervisor.adopt({ want: () => false });
  await supervisor.stopOrphans();
  await supervisor.detach();
  return { proxies, versions: found.orphans.map(({ version, pid }) => ({ version, pid })) };
}
