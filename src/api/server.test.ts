import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store, StoredEvent } from '../store/index.js';
import { startTestApi, type TestApi } from '../testing/test-api.js';
import { loadOrCreateTokens, type ApiTokens } from './tokens.js';

let api: TestApi;
let dir: string;
let store: Store;
let tokens: ApiTokens;
let app: FastifyInstance;
const bus = new EventEmitter();
let shutdowns = 0;

beforeAll(async () => {
  api = await startTestApi({
    subscribe: (listener) => {
      bus.on('event', listener);
      return () => bus.off('event', listener);
    },
    status: () => Promise.resolve({ service: 'shop', stable: { version: 'v1', weight: 100 }, canary: null, release: null }),
    // Traffic takes 30 ms to make, which its answer's Server-Timing shows.
    traffic: () => new Promise((resolve) => setTimeout(() => resolve({ service: 'shop', windowMs: 10_000, versions: [] }), 30)),
    metrics: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4', text: 'glidepath_up 1\n' }),
    shutdown: () => void shutdowns++,
  });
  ({ dir, store, tokens, app } = api);
});

afterAll(() => api.close());

const as = (token: string) => ({ authorization: `Bearer ${token}` });

describe('API auth', () => {
  it('keeps the token file private and stable across starts', () => {
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
    expect(loadOrCreateTokens(join(dir, 'token'))).toEqual(tokens);
    expect(tokens.admin).not.toBe(tokens.read);
  });

  it('answers /health without a token and everything else only with one', async () => {
    expect((await app.inject({ url: '/health' })).json()).toMatchObject({ status: 'ok', service: 'shop', pid: process.pid });
    const denied = await app.inject({ url: '/v1/status' });
    expect(denied.statusCode).toBe(401);
    expect(denied.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('bearer token') as string } });
    expect((await app.inject({ url: '/v1/status', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/status', headers: as(tokens.read) })).json()).toEqual({
      service: 'shop',
      stable: { version: 'v1', weight: 100 },
      canary: null,
      release: null,
    });
  });

  it('lets the read-only token look but not act', async () => {
    expect((await app.inject({ method: 'POST', url: '/v1/shutdown', headers: as(tokens.read) })).statusCode).toBe(403);
    expect(shutdowns).toBe(0);
    expect((await app.inject({ method: 'POST', url: '/v1/shutdown', headers: as(tokens.admin) })).statusCode).toBe(202);
    expect(shutdowns).toBe(1);
  });

  it('serves metrics, the OpenAPI document and clear 4xx errors', async () => {
    const metrics = await app.inject({ url: '/metrics', headers: as(tokens.read) });
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toBe('glidepath_up 1\n');
    const openapi = (await app.inject({ url: '/docs/json' })).json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/health', '/v1/status', '/v1/releases', '/v1/releases/{id}', '/v1/events']));
    expect((await app.inject({ url: '/v1/releases/rel_nope', headers: as(tokens.read) })).json()).toEqual({ error: { code: 'not_found', message: 'no release rel_nope' } });
    const bad = await app.inject({ url: '/v1/releases?limit=0', headers: as(tokens.read) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toContain('limit');
    expect((await app.inject({ url: '/nope', headers: as(tokens.read) })).statusCode).toBe(404);
  });

  it('says in Server-Timing how long each answer took to make, refusals and the dashboard page included', async () => {
    const timing = /^app;dur=\d+\.\d$/;
    for (const answer of [
      await app.inject({ url: '/v1/status', headers: as(tokens.read) }),
      await app.inject({ url: '/v1/status' }),
      await app.inject({ url: '/v1/releases?limit=0', headers: as(tokens.read) }),
      await app.inject({ url: '/health' }),
      await app.inject({ url: '/' }),
    ]) {
      expect(answer.headers['server-timing']).toMatch(timing);
    }
    const slow = await app.inject({ url: '/v1/traffic', headers: as(tokens.read) });
    expect(Number(/dur=([\d.]+)/.exec(String(slow.headers['server-timing']))?.[1])).toBeGreaterThanOrEqual(29);
  });
});

describe('releases and events', () => {
  it('gives a release with its steps in the deploy --json shape', async () => {
    const release = await store.releases.create({ service: 'shop', version: 'v2', strategy: 'canary', previousVersion: 'v1' });
    await store.steps.add(release.id, { position: 0, kind: 'weight', status: 'succeeded', detail: { weight: 10 } });
    const body = (await app.inject({ url: `/v1/releases/${release.id}`, headers: as(tokens.read) })).json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(['analysis', 'finishedAt', 'id', 'previousVersion', 'reason', 'service', 'startedAt', 'status', 'steps', 'strategy', 'version'].sort());
    expect(body.steps).toEqual([{ kind: 'weight', status: 'succeeded', startedAt: null, finishedAt: null, detail: { weight: 10 } }]);
    const list = (await app.inject({ url: '/v1/releases', headers: as(tokens.read) })).json<{ releases: { id: string }[] }>();
    expect(list.releases[0]?.id).toBe(release.id);
  });

  it('streams the backlog after Last-Event-ID, then live events, over a real socket', async () => {
    const first = await store.events.append({ service: 'shop', type: 'release.started', data: { n: 1 } });
    const second = await store.events.append({ service: 'shop', type: 'step.finished', data: { n: 2 } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/v1/events', headers: { ...as(tokens.read), 'last-event-id': String(first.seq) } }, (res) => {
        expect(res.headers['content-type']).toContain('text/event-stream');
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          const frames = buffer.split('\n\n');
          buffer = frames.pop() ?? '';
          for (const frame of frames) {
            const id = /^id: (\d+)$/m.exec(frame)?.[1];
            if (id) received.push(`${id} ${/^event: (.*)$/m.exec(frame)?.[1] ?? ''}`);
          }
          if (received.length === 1) {
            void store.events.append({ service: 'shop', type: 'release.succeeded' }).then((live: StoredEvent) => bus.emit('event', live));
          }
          if (received.length === 2) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (error) => (received.length >= 2 ? resolve() : reject(error)));
      req.setTimeout(10_000, () => reject(new Error('no events within 10s')));
      req.end();
    });
    expect(received).toEqual([`${second.seq} step.finished`, `${second.seq + 1} release.succeeded`]);
  });
});
