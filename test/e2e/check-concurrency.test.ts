/**
 * `glidepath check` runs a few checks at a time, not all at once (all at once, checks with latency limits measure
 * the contention they make themselves): a real HTTP server counts the requests it holds at the same time.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

const CHECKS = 10;
const HOLD_MS = 300;
const SLOW = Array.from({ length: CHECKS }, (_, i) => `slow${i}`);

let server: Server;
let port = 0;
let inFlight = 0;
let most = 0;
let served = 0;
let project: Project;

beforeAll(async () => {
  await ensureBuilt();
  server = createServer((_req, res) => {
    inFlight++;
    most = Math.max(most, inFlight);
    setTimeout(() => {
      inFlight--;
      served++;
      res.end('ok');
    }, HOLD_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const checks = Array.from({ length: CHECKS }, (_, i) => `  slow${i}: { http: { url: "http://127.0.0.1:${port}/${i}", status: 200 } }`);
  const failing = `  teapot: { http: { url: "http://127.0.0.1:${port}/teapot", status: 418 } }`;
  project = await makeProject({ 'glidepath.yaml': ['version: 1', 'service: slow-checks', 'checks:', ...checks, failing, ''].join('\n') });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await project.remove();
});

describe('glidepath check with many slow checks', () => {
  test.each([
    [[], 4],
    [['--concurrency', '2'], 2],
    [['--concurrency', '1'], 1],
  ])('%j: at most %i requests at once, every check run', async (args, bound) => {
    most = 0;
    served = 0;
    const run = await runCli(['check', ...SLOW, '--json', ...args], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    const report = parseOneJson(run.stdout) as { passed: boolean; checks: { name: string; status: string }[] };
    expect(report.checks.map((c) => c.name)).toEqual(Array.from({ length: CHECKS }, (_, i) => `slow${i}`));
    expect(report.passed).toBe(true);
    expect(served).toBe(CHECKS);
    expect(most).toBeLessThanOrEqual(bound);
    expect(most).toBe(bound); // the bound is used, not run one by one
    expect(run.stderr).toBe('');
  });

  test('when a check fails, stderr says how many ran at a time', async () => {
    most = 0;
    const run = await runCli(['check'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(1);
    expect(most).toBe(4);
    expect(run.stderr).toContain(`note: ${CHECKS + 1} checks ran at most 4 at a time; --concurrency 1 runs them one by one`);
  });

  test('--concurrency 0 is bad input (exit 2)', async () => {
    const run = await runCli(['check', '--concurrency', '0'], { cwd: project.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--concurrency expects a whole number above 0');
  });
});
