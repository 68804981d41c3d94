/** Whether an instance is ready for traffic: an HTTP path answering 2xx/3xx, or else an open TCP port. */
import { request } from 'node:http';
import { connect } from 'node:net';
import { INSTANCE_HOST } from './types.js';

/** Longest a single probe may take, whatever the interval. */
const PROBE_TIMEOUT_MS = 2_000;

/** One probe: true when the instance answers as ready now. */
export function probeReady(port: number, path: string | undefined, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (ready: boolean) => {
      clearTimeout(timer);
      resolve(ready);
    };
    if (path === undefined) {
      const socket = connect({ port, host: INSTANCE_HOST });
      timer = setTimeout(() => (socket.destroy(), done(false)), timeoutMs);
      socket.once('connect', () => (socket.destroy(), done(true)));
      socket.once('error', () => done(false));
      return;
    }
    const req = request({ host: INSTANCE_HOST, port, path, method: 'GET', agent: false, headers: { 'user-agent': 'glidepath-readiness' } }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      done(status >= 200 && status < 400);
    });
    timer = setTimeout(() => (req.destroy(), done(false)), timeoutMs);
    req.once('error', () => done(false));
    req.end();
  });
}

/** How waiting for readiness ended. */
export type ReadinessResult = 'ready' | 'timeout' | 'aborted';

/** Probes every `intervalMs` until ready, `timeoutMs` passed, or `signal` aborts (the caller aborts on exit). */
export async function waitReady(options: {
  port: number;
  path: string | undefined;
  timeoutMs: number;
  intervalMs: number;
  signal: AbortSignal;
}): Promise<ReadinessResult> {
  const { port, path, timeoutMs, intervalMs, signal } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal.aborted) return 'aborted';
    const left = deadline - Date.now();
    if (await probeReady(port, path, Math.max(1, Math.min(PROBE_TIMEOUT_MS, left, Math.max(intervalMs, 250))))) {
      return signal.aborted ? 'aborted' : 'ready';
    }
    if (Date.now() >= deadline) return signal.aborted ? 'aborted' : 'timeout';
    await sleep(Math.min(intervalMs, deadline - Date.now()), signal);
  }
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    }
    signal.addEventListener('abort', finish, { once: true });
  });
}
