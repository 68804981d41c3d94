/** `tcp` check: passes when a TCP connection to host:port opens. */
import { connect } from 'node:net';
import { z } from 'zod';
import type { Check, CheckDeps } from '../check.js';
import { fillConfigPlaceholders } from '../placeholders.js';
import { abortDetail, elapsedSince, probe, type ProbeOutcome } from '../probe.js';

/** Configuration of a `tcp` check. */
export const tcpCheckSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1').describe('Host name or IP address to connect to. Default: 127.0.0.1.'),
    port: z
      .union([z.number().int().min(1).max(65_535), z.string().min(1)])
      .describe('TCP port, 1–65535; may be a placeholder such as "{port}".'),
  })
  .describe('Opens a TCP connection; passes when the port accepts it before the timeout.');

/** Parsed configuration of a `tcp` check (durations in ms, defaults applied). */
export type TcpCheckConfig = z.output<typeof tcpCheckSchema>;

/** Creates a `tcp` check. */
export function createTcpCheck(config: TcpCheckConfig, deps: CheckDeps): Check {
  const { host, port: rawPort } = fillConfigPlaceholders(config, deps.variables);
  const port = Number(rawPort);
  const target = host.includes(':') ? `[${host}]:${rawPort}` : `${host}:${rawPort}`;
  return {
    kind: 'tcp',
    run: ({ signal }) =>
      probe(signal, async (signal) => {
        if (!Number.isInteger(port) || port < 1 || port > 65_535) {
          return { status: 'error', detail: 'port must be an integer from 1 to 65535' };
        }
        return openConnection(host, port, target, signal);
      }, { label: `tcp ${target}` }),
  };
}

function openConnection(host: string, port: number, target: string, signal: AbortSignal): Promise<ProbeOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const settle = (outcome: ProbeOutcome) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = () => settle({ status: 'error', detail: abortDetail(signal) });
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      const ms = elapsedSince(started);
      settle({ status: 'pass', detail: `tcp ${target} connected in ${ms}ms`, data: { latencyMs: ms } });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'ECONNREFUSED' ? 'connection refused' : error.message;
      settle({ status: 'fail', detail: `tcp ${target}: ${why}`, data: { code: error.code } });
    });
  });
}
