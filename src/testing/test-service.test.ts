import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { processGroupAlive } from '../exec/process-group.js';
import { httpGet, startTestService } from './test-service.js';
import type { RunningTestService } from './test-service.js';

const started: RunningTestService[] = [];

async function start(settings: Parameters<typeof startTestService>[0]): Promise<RunningTestService> {
  const service = await startTestService(settings);
  started.push(service);
  return service;
}

function post(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, timeout: 5_000, headers: { 'content-type': 'text/plain' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

afterEach(async () => {
  for (const service of started.splice(0)) {
    await service.stop(2_000);
    expect(processGroupAlive(service.pid)).toBe(false);
  }
});

describe('test service', () => {
  it('serves its version, health, status codes and an echo', async () => {
    const service = await start({ VERSION: 'v9' });
    const root = await httpGet(`${service.url}/`);
    expect(root.status).toBe(200);
    expect(root.headers['x-version']).toBe('v9');
    expect(JSON.parse(root.body)).toEqual({ version: 'v9', pid: service.pid, port: service.port });
    expect(JSON.parse((await httpGet(`${service.url}/health`)).body)).toEqual({ status: 'ok', version: 'v9' });
    expect((await httpGet(`${service.url}/status/418`)).status).toBe(418);
    expect((await httpGet(`${service.url}/nope`)).status).toBe(404);
    expect((await httpGet(`${service.url}/slow?ms=10`)).status).toBe(200);
    expect(await post(`${service.url}/echo`, 'hello échо')).toEqual({ status: 200, body: 'hello échо' });
  });

  it('answers 503 on /health until ready, and always with NEVER_READY', async () => {
    const late = await start({ READY_AFTER_MS: '60000' });
    expect((await httpGet(`${late.url}/health`)).status).toBe(503);
    const never = await start({ NEVER_READY: '1' });
    expect((await httpGet(`${never.url}/health`)).status).toBe(503);
    expect((await httpGet(`${never.url}/`)).status).toBe(200);
  });

  it('fails every request with ERROR_RATE=1 and exits 1 after CRASH_AFTER_MS', async () => {
    const failing = await start({ ERROR_RATE: '1' });
    expect((await httpGet(`${failing.url}/`)).status).toBe(500);
    expect((await httpGet(`${failing.url}/health`)).status).toBe(200);
    const crashing = await start({ CRASH_AFTER_MS: '200' });
    const deadline = Date.now() + 20_000;
    while (processGroupAlive(crashing.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(processGroupAlive(crashing.pid)).toBe(false);
  });
});
