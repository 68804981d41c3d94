/**
 * Versions the nginx target does not run itself: their `host:port` servers come from the plan (`servers:`, a
 * list that may use `{version}` or a map per version), a `deploy` command may bring them up first, and each
 * server is probed until ready.
 */
import { runCommand } from '../../exec/run-command.js';
import type { NginxTargetConfig } from '../../plan/schema/target.js';
import { waitReady } from '../../supervisor/readiness.js';

/** The servers of `version`, or undefined when the plan's map does not name it. */
export function serversOf(servers: NonNullable<NginxTargetConfig['servers']>, version: string): string[] | undefined {
  if (Array.isArray(servers)) return servers.map((server) => server.replaceAll('{version}', version));
  return Object.hasOwn(servers, version) ? [...(servers[version] as string[])] : undefined;
}

/** `host` and `port` of a `host:port` (brackets of an IPv6 address removed). */
export function splitServer(server: string): { host: string; port: number } {
  const at = server.lastIndexOf(':');
  return { host: server.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(server.slice(at + 1)) };
}

/** Runs the plan's `deploy` or `remove` for a version; returns why it failed, or undefined. */
export async function runVersionCommand(name: string, line: string, version: string, cwd: string, timeoutMs: number): Promise<string | undefined> {
  const outcome = await runCommand({ command: line.replaceAll('{version}', `'${version.replaceAll("'", `'"'"'`)}'`), cwd, timeoutMs });
  if (outcome.exitCode === 0 && !outcome.timedOut) return undefined;
  const why = outcome.spawnError ?? (outcome.timedOut ? `timed out after ${timeoutMs}ms` : `exited with ${outcome.exitCode ?? outcome.signal ?? '?'}`);
  return `target.${name} ${why}${outcome.lastLine ? `: ${outcome.lastLine}` : ''}`;
}

/** Probes every server until all are ready; returns why one is not once `ready.timeout` passed, or undefined. */
export async function waitServersReady(servers: readonly string[], ready: NginxTargetConfig['ready'], signal: AbortSignal): Promise<string | undefined> {
  const outcomes = await Promise.all(
    servers.map(async (server) => {
      const { host, port } = splitServer(server);
      const outcome = await waitReady({ host, port, path: ready.path, timeoutMs: ready.timeout, intervalMs: ready.interval, probeTimeoutMs: ready.probeTimeout, signal });
      return outcome.result === 'ready' ? undefined : `${server} not ready (${outcome.result}): ${outcome.lastSeen ?? 'not probed'}`;
    }),
  );
  return outcomes.find((why) => why !== undefined);
}
