/**
 * How a daemon drives the proxy process over its Unix domain socket: one JSON message a line, the same commands
 * as the in-process worker (proxy-protocol.ts) plus `hello`, which names the protocol so a daemon of another
 * glidepath version can tell whether it may keep the proxy it finds.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ProxyOptions } from './proxy-options.js';
import type { ProxyCommands, WorkerMessage } from './proxy-protocol.js';

/** Raised when the control messages change incompatibly; a daemon replaces a proxy that speaks another. */
export const CONTROL_PROTOCOL_VERSION = 1;

/**
 * The sockets (the serving proxy's and its warm standby's), the proxy's settings, its persisted routing table and
 * its log, in the project's state directory.
 */
export const CONTROL_FILES = {
  socket: 'proxy.sock',
  standbySocket: 'proxy-standby.sock',
  options: 'proxy-options.json',
  routes: 'proxy-routes.json',
  log: 'proxy.log',
} as const;

/** The longest Unix socket path Linux takes (sun_path is 108 bytes with its terminating zero). */
export const MAX_SOCKET_PATH_BYTES = 107;

/**
 * Where a control socket lives: in the state directory, or, when that path is too long for a Unix socket, in a
 * directory of this user's own (mode 0700) under the temporary directory, named after the state directory, so the
 * daemon, the proxy and `down` all find it without a record.
 */
export function controlSocketPath(stateDir: string, name: 'socket' | 'standbySocket'): string {
  const inState = join(stateDir, CONTROL_FILES[name]);
  if (Buffer.byteLength(inState) <= MAX_SOCKET_PATH_BYTES) return inState;
  const runtime = join(process.env.XDG_RUNTIME_DIR ?? tmpdir(), `glidepath-${userInfo().uid}`);
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const made = statSync(runtime);
  if (made.uid !== userInfo().uid || (made.mode & 0o077) !== 0) {
    throw new Error(`${runtime} (for the proxy's control socket, as ${inState} is too long) is not this user's alone: remove it, or move the project to a shorter path`);
  }
  const short = join(runtime, `${createHash('sha256').update(stateDir).digest('hex').slice(0, 20)}-${CONTROL_FILES[name]}`);
  if (Buffer.byteLength(short) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`the proxy's control socket path ${inState} is longer than ${MAX_SOCKET_PATH_BYTES} bytes, and so is ${short}: move the project to a shorter path, or set XDG_RUNTIME_DIR to a short directory`);
  }
  return short;
}

/** What `hello` answers: who the proxy is, what it speaks and how it was started. */
export interface ProxyHello {
  protocol: number;
  pid: number;
  /** `serving`, or `standby`: started, ready, waiting to take over the address when the serving one dies. */
  role: 'serving' | 'standby';
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
