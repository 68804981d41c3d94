/** The test service (assets/sample-service.mjs, also the demo's service): a real HTTP server process that tests configure by environment. */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { stopProcessGroup, processGroupAlive } from '../exec/process-group.js';

/** Absolute path of the service script; run it with `node` (see the script's header for every setting). */
export const TEST_SERVICE_SCRIPT = fileURLToPath(new URL('../../assets/sample-service.mjs', import.meta.url));

/** Settings of the test service, passed as environment variables of the same names. */
export interface TestServiceSettings {
  PORT?: string;
  HOST?: string;
  VERSION?: string;
  ERROR_RATE?: string;
  EXTRA_LATENCY_MS?: string;
  READY_AFTER_MS?: string;
  NEVER_READY?: '1';
  HEALTH_LATENCY_MS?: string;
  STARTUP_ERROR?: string;
  CRASH_AFTER_MS?: string;
  IGNORE_SIGTERM?: '1';
  SHUTDOWN_DELAY_MS?: string;
  LOG_EVERY_MS?: string;
  LOG_LINE_BYTES?: string;
  CHILDREN?: string;
}

function quote(arg: string): string {
  return `'${arg.replaceAll("'", `'"'"'`)}'`;
}

/** A command line that starts the test service with this Node, safe for `splitCommandLine` and for /bin/sh. */
export function testServiceCommand(args: readonly string[] = []): string {
  return [process.execPath, TEST_SERVICE_SCRIPT, ...args].map(quote).join(' ');
}

/**
 * The head of a plan whose `process` target runs the test service per version from `./releases/{version}` (each
 * reads its behaviour from a service.json there), with the daemon and proxy on the given loopback ports.
 */
export function processPlanLines(service: string, daemonPort: number, proxyPort: number): string[] {
  return [
    'version: 1',
    `service: ${service}`,
    `daemon: { listen: "127.0.0.1:${daemonPort}" }`,
    'target:',
    '  type: process',
    `  listen: "127.0.0.1:${proxyPort}"`,
    `  start: ${JSON.stringify(testServiceCommand(['--version', '{version}']))}`,
    '  cwd: ./releases/{version}',
    '  ready: { path: /health, timeout: 20s }',
    '  drain: 1s',
  ];
}

/** A test service started directly by a test, outside any supervisor. */
export interface RunningTestService {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** Stops its process group (SIGTERM, then SIGKILL after `graceMs`); safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts the test service on a free loopback port and waits until it listens (not until /health is 200). */
export async function startTestService(settings: TestServiceSettings = {}, timeoutMs = 15_000): Promise<RunningTestService> {
  const child = spawn(process.execPath, [TEST_SERVICE_SCRIPT], {
    env: { ...process.env, PORT: '0', ...settings },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('test service did not start');
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`test service did not listen within ${timeoutMs}ms:\n${output}`)), timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on [^\s]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`test service exited (${String(code)}):\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stopProcessGroup(pid, 1_000);
    throw error;
  });
  child.stdout.resume();
  child.stderr.resume();
  let stopped: Promise<void> | undefined;
  return {
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    stop(graceMs = 5_000) {
      stopped ??= stopProcessGroup(pid, graceMs).then(() => {
        if (processGroupAlive(pid)) throw new Error(`test service group ${pid} survived SIGKILL`);
      });
      return stopped;
    },
  };
}

/** GET a loopback URL and return status and body text, with a bounded wait. */
export function httpGet(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Sends `count` GETs one after the other and counts the versions that answered (`X-Version`), or their status. */
export async function versionsServed(url: string, count: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const { status, headers } = await httpGet(url);
    const version = status === 200 ? String(headers['x-version']) : `status ${status}`;
    seen[version] = (seen[version] ?? 0) + 1;
  }
  return seen;
}
