/**
 * How a daemon drives the proxy process over its Unix domain socket: one JSON message a line, the same commands
 * as the in-process worker (proxy-protocol.ts) plus `hello`, which names the protocol so a daemon of another
 * glidepath version can tell whether it may keep the proxy it finds.
 */
import type { ProxyOptions } from './proxy-options.js';
import type { ProxyCommands, WorkerMessage } from './proxy-protocol.js';

/** Raised when the control messages change incompatibly; a daemon replaces a proxy that speaks another. */
export const CONTROL_PROTOCOL_VERSION = 1;

/** The socket, the proxy's settings and its persisted routing table, in the project's state directory. */
export const CONTROL_FILES = { socket: 'proxy.sock', options: 'proxy-options.json', routes: 'proxy-routes.json', log: 'proxy.log' } as const;

/** What `hello` answers: who the proxy is, what it speaks and how it was started. */
export interface ProxyHello {
  protocol: number;
  pid: number;
  address: { host: string; port: number };
  options: ProxyOptions;
}

/** Every command of the control socket, with its arguments and result. */
export type ControlCommands = ProxyCommands & { hello: { args: Record<string, never>; result: ProxyHello } };

/** A command line sent to the proxy; `id` pairs it with its reply. */
export type ControlRequest = {
  [K in keyof ControlCommands]: { id: number; type: K } & ControlCommands[K]['args'];
}[keyof ControlCommands];

/** A reply line from the proxy. */
export type ControlReply = Extract<WorkerMessage, { type: 'reply' }>;

/** Splits a stream of text into lines, handing each complete one to `onLine`. */
export function lineReader(onLine: (line: string) => void): (chunk: string) => void {
  let rest = '';
  return (chunk) => {
    rest += chunk;
    let at = rest.indexOf('\n');
    while (at >= 0) {
      const line = rest.slice(0, at);
      rest = rest.slice(at + 1);
      if (line.length > 0) onLine(line);
      at = rest.indexOf('\n');
    }
  };
}
