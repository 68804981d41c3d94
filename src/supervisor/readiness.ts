/** Whether an instance is ready for traffic: an HTTP path answering 2xx/3xx, or else an open TCP port. */
import { request } from 'node:http';
import { connect } from 'node:net';
import { formatDuration } from '../shared/duration.js';
import { waitLong } from '../shared/long-timer.js';
import { INSTANCE_HOST } from './types.js';

/** Longest a single probe may wait for an answer when the spec does not say (the plan's `ready.probeTimeout`). */
export const DEFAULT_PROBE_TIMEOUT_MS = 5_000;

/** One probe's answer: ready or not, and what was seen ("GET /health answered 503", "connection refused"). */
export interface ProbeResult {
  ready: boolean;
  seen: string;
  /** No answer came within the probe's timeout. */
  timedOut?: true;
}

/** One probe: whether the instance answers as ready now, and what it answered; on loopback unless `host` is given. */
export function probeReady(port: number, path: string | undefined, timeoutMs: number, host: string = INSTANCE_HOST): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (ready: boolean, seen: string, timedOut = false) => {
      clearTimeout(timer);
      resolve(timedOut ? { ready, seen, timedOut } : { ready, seen });
    };
    const wait = Math.max(1, Math.min(timeoutMs, 2 ** 31 - 1));
    const noAnswer = `no answer within ${formatDuration(wait)}`;
    if (path === undefined) {
      const address = `${host}:${port}`;
      const socket = connect({ port, host });
      timer = setTimeout(() => (socket.destroy(), done(false, `TCP ${address}: ${noAnswer}`, true)), wait);
      socket.once('connect', () => (socket.destroy(), done(true, `TCP ${address} accepted a connection`)));
      socket.once('error', (error) => done(false, `TCP ${address}: ${connectionError(error)}`));
      return;
    }
    const req = request({ host, port, path, method: 'GET', agent: false, headers: { 'user-agent': 'glidepath-readiness' } }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      done(status >= 200 && status < 400, `GET ${path} answered ${status}`);
    });
    timer = setTimeout(() => (req.destroy(), done(false, `GET ${path}: ${noAnswer}`, true)), wait);
    req.once('error', (error) => done(false, `GET ${path}: ${connectionError(error)}`));
    req.end();
  });
}

function connectionError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  return code ? `${error.message} (${code})` : error.message;
}

/** How waiting for readiness ended, with what the last probe saw. */
export interface ReadinessOutcome {
  result: 'ready' | 'timeout' | 'aborted';
  lastSeen?: string;
}

/**
 * Probes every `intervalMs` until ready, `timeoutMs` passed, or `signal` aborts (the caller aborts on exit). One
 * probe may wait `probeTimeoutMs` for its answer (within what is left of `timeoutMs`), however short the interval.
 */
export async function waitReady(options: {
  port: number;
  path: string | undefined;
  timeoutMs: number;
  intervalMs: number;
  probeTimeoutMs?: number;
  signal: AbortSignal;
  /** Where the instance listens; loopback by default. */
  host?: string;
}): Promise<ReadinessOutcome> {
  const { port, path, timeoutMs, intervalMs, signal } = options;
  const probeTimeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let lastSeen: string | undefined;
  for (;;) {
    if (signal.aborted) return { result: 'aborted', lastSeen };
    const wait = Math.max(1, Math.min(probeTimeoutMs, deadline - Date.now()));
    const probe = await probeReady(port, path, wait, options.host);
    // A probe cut short by the deadline says less than the one before it did.
    if (!(probe.timedOut && wait < probeTimeoutMs && lastSeen !== undefined)) lastSeen = probe.seen;
    if (probe.ready) return { result: signal.aborted ? 'aborted' : 'ready', lastSeen };
    if (Date.now() >= deadline) return { result: signal.aborted ? 'aborted' : 'timeout', lastSeen };
    await sleep(Math.min(intervalMs, deadline - Date.now()), signal);
  }
}

/** Resolves after `ms` (however long), or early when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return waitLong(ms, signal);
}
