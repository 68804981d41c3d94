import { Agent, get } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startUpstream, type TestUpstream } from '../testing/proxy-test-kit.js';
import { closedPort, rawUpstream, serveRequests, type RawUpstream } from '../testing/raw-http.js';
import { Load, type LoadReport, type LoadSample } from './steady-load.js';

const servers: (TestUpstream | RawUpstream)[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function raw(respond: Parameters<typeof serveRequests>[0]): Promise<RawUpstream> {
  const up = await rawUpstream(serveRequests(respond));
  servers.push(up);
  return up;
}

/** Runs a steady load of one client until `n` requests ended: what each request saw, and the report. */
async function steady(port: number, n: number, gapMs = 20): Promise<{ samples: LoadSample[]; report: LoadReport }> {
  const samples: LoadSample[] = [];
  const load = Load.start({ url: `http://127.0.0.1:${port}/`, clients: 1, gapMs, maxSeconds: 30, onResponse: (s) => samples.push(s) });
  await load.waitForRequests(n, 20_000);
  return { samples, report: await load.stop() };
}

/** The same `n` requests one after another on node:http's keep-alive Agent: a status, or the error code. */
async function nodeHttp(port: number, n: number, gapMs = 20): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const seen: string[] = [];
  for (let i = 0; i < n; i++) {
    seen.push(
      await new Promise<string>((resolve) => {
        const req = get(`http://127.0.0.1:${port}/`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
        });
        req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      }),
    );
    await sleep(gapMs);
  }
  agent.destroy();
  return seen;
}

const outcome = (s: LoadSample) => s.error ?? String(s.status);

describe('Load (steady load)', () => {
  it('counts requests by the version that answered and by status, and hands each response over as it finishes', async () => {
    let n = 0;
    const up = await startUpstream('versions', (req, res) => {
      n++;
      // the first request is held back while the others are answered; every fifth fails
      const status = n % 5 === 0 ? 500 : 200;
      const version = n === 1 ? 'first' : n % 2 === 0 ? 'v2' : 'v1';
      const send = () => res.writeHead(status, { 'X-Glidepath-Version': version, 'content-length': 2 }).end('ok');
      if (n === 1) setTimeout(send, 300);
      else send();
    });
    servers.push(up);
    const samples: LoadSample[] = [];
    const load = Load.start({ url: `http://127.0.0.1:${up.port}/path?q=1`, clients: 3, gapMs: 5, maxSeconds: 30, versionHeader: 'X-Glidepath-Version', onResponse: (s) => samples.push(s) });
    await load.waitForRequests(60);
    const report = await load.stop();
    expect(report.ended).toBe('stopped');
    expect(samples).toHaveLength(report.requests);
    expect(report.requests).toBe(up.hits);
    const ok = samples.filter((s) => s.status === 200);
    const failed = samples.filter((s) => s.status === 500);
    expect(report.failed).toBe(failed.length);
    expect(report.non2xx).toBe(failed.length);
    expect(report.connectionErrors).toEqual({});
    expect(report.statuses).toEqual({ '200': ok.length, ...(failed.length > 0 ? { '500': failed.length } : {}) });
    const of = (list: LoadSample[], v: string) => list.filter((s) => s.version === v).length;
    expect(report.versions).toEqual({ first: 1, v1: of(ok, 'v1'), v2: of(ok, 'v2') });
    expect(report.byVersion).toEqual({
      first: { requests: 1, failed: 0 },
      v1: { requests: of(samples, 'v1'), failed: of(failed, 'v1') },
      v2: { requests: of(samples, 'v2'), failed: of(failed, 'v2') },
    });
    expect(of(failed, 'v1') + of(failed, 'v2')).toBeGreaterThan(0);
    // in the order they finished: the held-back first request comes after requests sent later than it
    const slow = samples.findIndex((s) => s.version === 'first');
    expect(slow).toBeGreaterThan(0);
    expect(samples.slice(0, slow).some((s) => s.sentAt > (samples[slow] as LoadSample).sentAt)).toBe(true);
    for (let i = 1; i < samples.length; i++) expect((samples[i] as LoadSample).at).toBeGreaterThanOrEqual((samples[i - 1] as LoadSample).at);
  });

  it('sends nothing after maxSeconds, and stop() waits for the requests in flight', async () => {
    const up = await startUpstream('slow', (_req, res) => setTimeout(() => res.writeHead(200, { 'content-length': 0 }).end(), 150));
    servers.push(up);
    const samples: LoadSample[] = [];
    const started = Date.now();
    const bounded = Load.start({ url: `http://127.0.0.1:${up.port}/`, clients: 2, gapMs: 0, maxSeconds: 0.5, onResponse: (s) => samples.push(s) });
    await expect(bounded.waitForRequests(1_000, 5_000)).rejects.toThrow(/the load ended \(deadline\)/);
    const report = await bounded.stop();
    expect(report.ended).toBe('deadline');
    expect(report.failed).toBe(0);
    // sentAt is to the millisecond, from another clock than the bound's: a few ms of slack
    expect(samples.every((s) => s.sentAt <= started + 505)).toBe(true);
    expect(samples.length).toBeGreaterThan(0);

    const inFlight = Load.start({ url: `http://127.0.0.1:${up.port}/`, clients: 3, gapMs: 0, maxSeconds: 30 });
    await sleep(50);
    const stopped = await inFlight.stop();
    // the three first requests were on their way: answered, none cut off, none sent after
    expect(stopped).toMatchObject({ ended: 'stopped', requests: 3, failed: 0, statuses: { '200': 3 } });
  });

  it('counts a refused connection and a request that timed out as failed, with their error codes', async () => {
    const refused = Load.start({ url: `http://127.0.0.1:${await closedPort()}/`, clients: 2, gapMs: 5, maxSeconds: 30 });
    await refused.waitForRequests(10);
    const report = await refused.stop();
    expect(report.failed).toBe(report.requests);
    expect(report.connectionErrors).toEqual({ ECONNREFUSED: report.requests });
    expect(report.byVersion).toEqual({ '?': { requests: report.requests, failed: report.requests } });

    const hang = await raw(() => undefined);
    const samples: LoadSample[] = [];
    const hung = Load.start({ url: `http://127.0.0.1:${hang.port}/`, clients: 1, maxSeconds: 30, requestTimeoutMs: 200, onResponse: (s) => samples.push(s) });
    await hung.waitForRequests(1);
    await hung.stop();
    expect(samples[0]).toMatchObject({ status: 0, version: undefined, error: 'TIMEOUT' });
  });

  it('a server closing keep-alive connections between requests (FIN, Connection: close, a short keep-alive, a body until close) fails nothing, as on node:http', async () => {
    const fin = await raw((_req, s) => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Version: v1\r\n\r\nok`);
      setTimeout(() => s.end(), 5);
    });
    const close = await raw((_req, s) => s.end(`HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok`));
    const short = await raw((_req, s) => s.write(`HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok`));
    // a body that runs until the server closes, and the next request sent at once (no gap)
    const untilClose = await raw((_req, s) => s.end(`HTTP/1.1 200 OK\r\n\r\nthe body ends with the connection`));
    for (const up of [fin, close, short, untilClose]) {
      const { samples, report } = await steady(up.port, 6, up === untilClose ? 0 : 20);
      expect(new Set(samples.map(outcome))).toEqual(new Set(['200']));
      expect(report.failed).toBe(0);
      expect(await nodeHttp(up.port, 3)).toEqual(['200', '200', '200']);
      // one connection per request: none was reused after the server closed it, or announced it would so soon
      expect(up.connections).toBe(report.requests + 3);
    }
  });

  it('does not reuse a connection idle for longer than the server keeps it (its Keep-Alive timeout, less a second)', async () => {
    const announced = await raw((req, s) => s.write(`HTTP/1.1 200 OK\r\nKeep-Alive: timeout=2\r\nContent-Length: 2\r\n\r\nok`));
    const silent = await raw((req, s) => s.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`));
    expect((await steady(announced.port, 3, 1_100)).report).toMatchObject({ requests: 3, failed: 0 });
    expect((await steady(silent.port, 3, 1_100)).report).toMatchObject({ requests: 3, failed: 0 });
    expect(announced.connections).toBe(3);
    expect(silent.connections).toBe(1);
  });

  it('a reused connection the server closes as the request arrives fails that request, once, never sent again (as node:http)', async () => {
    // each connection's second request finds the server gone: what a client sees when the server closes an idle
    // keep-alive connection at the moment the request goes out
    let received = 0;
    const rude = await raw((req, s: Socket) => {
      received++;
      if (req.n === 0) s.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`);
      else s.destroy();
    });
    const { samples, report } = await steady(rude.port, 4);
    expect(samples.slice(0, 4).map(outcome)).toEqual(['200', 'ECONNRESET', '200', 'ECONNRESET']);
    expect(report.failed).toBe(samples.filter((s) => s.error === 'ECONNRESET').length);
    // no request was written twice: the server received exactly the requests the load reported
    await sleep(50);
    expect(received).toBe(report.requests);
    expect(await nodeHttp(rude.port, 4)).toEqual(['200', 'ECONNRESET', '200', 'ECONNRESET']);
  });

  it('with a rate, sends on a fixed schedule (open model) on the same connections', async () => {
    const up = await startUpstream('rate', (_req, res) => res.writeHead(200, { 'content-length': 0 }).end());
    servers.push(up);
    const load = Load.start({ url: `http://127.0.0.1:${up.port}/`, clients: 2, rate: 40, maxSeconds: 0.5 });
    await sleep(800);
    const report = await load.stop();
    expect(report.ended).toBe('deadline');
    expect(report.failed).toBe(0);
    // the schedule bounds it: a request every 25 ms for 500 ms
    expect(report.requests).toBeGreaterThan(0);
    expect(report.requests).toBeLessThanOrEqual(21);
    expect(() => Load.start({ url: `http://127.0.0.1:${up.port}/`, rate: 0, maxSeconds: 1 })).toThrow(/rate must be a positive number/);
    expect(() => Load.start({ url: 'http://192.0.2.1/', maxSeconds: 1 })).toThrow(/loopback addresses only/);
  });
});
