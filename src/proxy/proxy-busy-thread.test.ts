// The proxy's timeouts after its thread was busy (a long task, a garbage collection, a host short of CPU) for
// longer than a timeout: whatever arrived on its sockets meanwhile counts, as nginx reads ready events before it
// expires timers. Node runs due timers before it polls sockets, so without care a deadline fires first.
// Each case blocks the one thread that runs the proxy, its upstream and its client, right after the bytes that
// beat the deadline were handed to the kernel, until the deadline has passed.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { describe, expect, test } from 'vitest';
import { rawClient } from '../testing/proxy-test-kit.js';
import {
  LOCAL,
  okResponse,
  rawUpstream,
  serveRequests,
  single,
  untilFinals,
  waitFor,
  withProxy,
  withRawUpstream,
  type Parsed,
} from '../testing/raw-http.js';
import type { ProxyServer } from './proxy-server.js';

// the timeout under test; every case keeps the thread busy for twice as long
const T = 300;

/** Keeps this thread busy (no event loop turn) for `ms` milliseconds. */
function busyFor(ms: number): void {
  const end = performance.now() + ms;
  let spins = 0;
  while (performance.now() < end) spins++;
  if (spins < 0) throw new Error('unreachable');
}

/**
 * Runs `attempt` until its bytes beat the deadline, at most 3 times, and returns that run's result. `attempt`
 * returns null when the machine was so slow that they did not (then the case proves nothing either way).
 */
async function inTime<R>(attempt: () => Promise<R | null>): Promise<R> {
  for (let i = 0; i < 3; i++) {
    const result = await attempt();
    if (result !== null) return result;
  }
  throw new Error(`three attempts in a row were slower than ${T} ms before the thread was blocked`);
}

/** Sends `request` on a new connection and returns the first final response and whether the proxy closed. */
async function askOnce(p: ProxyServer, request: string): Promise<{ res: Parsed | undefined; text: string }> {
  const c = await rawClient(p.address.port);
  try {
    c.socket.write(request);
    const [res] = await untilFinals(c, 1, [], 10_000);
    return { res, text: c.text };
  } finally {
    c.socket.destroy();
  }
}

const GET = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';

/** GET once, again (inTime) until the upstream sent its bytes (at `sentAt()`) within T of the request. */
function askBeforeDeadline(p: ProxyServer, sentAt: () => number): Promise<{ res: Parsed | undefined; text: string }> {
  return inTime(async () => {
    const asked = performance.now();
    const out = await askOnce(p, GET);
    return sentAt() - asked < T ? out : null;
  });
}

describe('timeouts after the proxy thread was busy', () => {
  test('upstreamResponseTimeoutMs: a response head that arrived before the deadline is forwarded, not answered 504', async () => {
    let sent = 0;
    await withRawUpstream(
      serveRequests((_req, s) => {
        sent = performance.now();
        s.write(okResponse('on time'));
        busyFor(2 * T);
      }),
      { upstreamResponseTimeoutMs: T },
      async (p) => {
        const { res, text } = await askBeforeDeadline(p, () => sent);
        expect(res?.status, text).toBe(200);
        expect(res?.body).toBe('on time');
        expect(p.metrics(60).versions[0]?.window.byClass['5xx']).toBe(0);
      },
    );
  });

  test('upstreamResponseTimeoutMs: body bytes that arrived before the deadline keep a streaming response going', async () => {
    let sent = 0;
    const half = 'h'.repeat(1000);
    await withRawUpstream(
      serveRequests((_req, s) => {
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${2 * half.length}\r\n\r\n${half}`);
        // the rest follows once the proxy has read the first half and set its deadline
        setTimeout(() => {
          setImmediate(() => {
            sent = performance.now();
            s.write(half);
            busyFor(2 * T);
          });
        }, 20);
      }),
      { upstreamResponseTimeoutMs: T },
      async (p) => {
        const { res, text } = await askBeforeDeadline(p, () => sent);
        expect(res?.status, text).toBe(200);
        expect(res?.body).toBe(half + half);
        expect(p.metrics(60).versions[0]?.window.byClass['5xx']).toBe(0);
      },
    );
  });

  test('keepAliveTimeoutMs: a next request that arrived before the deadline is answered, the connection not closed under it', async () => {
    await withRawUpstream(serveRequests((req, s) => s.write(okResponse(req.target))), { keepAliveTimeoutMs: T }, async (p) => {
      const texts = await inTime(async () => {
        const c = await rawClient(p.address.port);
        try {
          c.socket.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\n');
          await untilFinals(c, 1);
          const answered = performance.now();
          c.socket.write('GET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
          if (performance.now() - answered >= T / 2) return null;
          busyFor(2 * T);
          return (await untilFinals(c, 2, [], 10_000)).map((r) => `${r.status} ${r.body}`);
        } finally {
          c.socket.destroy();
        }
      });
      expect(texts).toEqual(['200 /1', '200 /2']);
    });
  });

  test('upstreamConnectTimeoutMs: a connect that completed before the deadline is used, not counted a failure', async () => {
    await withRawUpstream(serveRequests((req, s) => s.write(okResponse(req.target))), { upstreamConnectTimeoutMs: T }, async (p) => {
      const c = await rawClient(p.address.port);
      // the proxy's connect to the upstream is the next one in this process: block the thread right after it
      const onSocket = (): void => {
        unsubscribe('net.client.socket', onSocket);
        process.nextTick(() => busyFor(2 * T));
      };
      subscribe('net.client.socket', onSocket);
      try {
        c.socket.write(GET);
        const [res] = await untilFinals(c, 1, [], 10_000);
        expect(res?.status, c.text).toBe(200);
        expect(p.metrics(60).versions[0]?.totals.connectionFailures).toBe(0);
      } finally {
        unsubscribe('net.client.socket', onSocket);
        c.socket.destroy();
      }
    });
  });

  test('upstreamConnectTimeoutMs: a request queued for a free connection gets the one freed before the deadline', async () => {
    let proxy: ProxyServer | null = null;
    const key = (port: number): string => `${LOCAL}:${port}`;
    const up = await rawUpstream(
      serveRequests((req, s) => {
        if (req.target !== '/first') {
          s.write(okResponse(req.target));
          return;
        }
        // answers once the second request waits for this connection, then blocks until its wait timed out
        void waitFor('a request waiting', () => (proxy?.poolStats()[key(up.port)]?.waiting ?? 0) === 1).then(() =>
          setImmediate(() => {
            s.write(okResponse('/first'));
            busyFor(2 * T);
          }),
        );
      }),
    );
    try {
      await withProxy({ upstreamConnectTimeoutMs: T, maxConnectionsPerUpstream: 1 }, single(up.port), async (p) => {
        proxy = p;
        const first = askOnce(p, 'GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
        await waitFor('the first request at the upstream', () => up.connections === 1);
        const second = await askOnce(p, 'GET /second HTTP/1.1\r\nHost: x\r\n\r\n');
        expect(second.res?.status, second.text).toBe(200);
        expect(second.res?.body).toBe('/second');
        expect((await first).res?.body).toBe('/first');
      });
    } finally {
      await up.close();
    }
  });
});
