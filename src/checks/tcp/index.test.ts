import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheckContract } from '../check.contract.js';
import { createTcpCheck, tcpCheckSchema } from './index.js';

const deps = { cwd: process.cwd(), variables: {} };
let server: Server;
let openPort: number;
let closedPort: number;

async function listen(): Promise<Server> {
  const s = createServer((socket) => socket.resume().end());
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return s;
}

function portOf(s: Server): number {
  const address = s.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  server = await listen();
  openPort = portOf(server);
  // A port that was just free and is now closed again: nothing listens there.
  const probeServer = await listen();
  closedPort = portOf(probeServer);
  await new Promise((resolve) => probeServer.close(resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const check = (port: number | string, variables: Record<string, string> = {}) =>
  createTcpCheck(tcpCheckSchema.parse({ host: '127.0.0.1', port }), { ...deps, variables });

describe('tcp check', () => {
  it('passes against an open port', async () => {
    const result = await check(openPort).run({ signal: new AbortController().signal });
    expect(result.status).toBe('pass');
    expect(result.detail).toMatch(new RegExp(`^tcp 127\\.0\\.0\\.1:${openPort} connected in \\d+ms$`));
  });

  it('fails against a closed port with the reason', async () => {
    const result = await check(closedPort).run({ signal: new AbortController().signal });
    expect(result.status).toBe('fail');
    expect(result.detail).toBe(`tcp 127.0.0.1:${closedPort}: connection refused`);
  });

  it('fills a {port} placeholder', async () => {
    const result = await check('{port}', { port: String(openPort) }).run({ signal: new AbortController().signal });
    expect(result.status).toBe('pass');
  });

  it('reports an unusable port as an error', async () => {
    const result = await check('{port}').run({ signal: new AbortController().signal });
    expect(result).toMatchObject({ status: 'error', detail: 'tcp 127.0.0.1:{port}: port must be an integer from 1 to 65535' });
  });

  it('rejects unknown keys', () => {
    expect(tcpCheckSchema.safeParse({ port: 1, hots: 'x' }).success).toBe(false);
  });
});

runCheckContract({ name: 'tcp open', create: async () => ({ check: check(openPort), expect: 'pass' }) });
runCheckContract({ name: 'tcp closed', create: async () => ({ check: check(closedPort), expect: 'fail' }) });
