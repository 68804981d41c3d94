/** A real Alertmanager (Debian's prometheus-alertmanager) for tests: own config and storage in a temp dir, on loopback. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../shared/free-port.js';
import { UnavailableError } from '../shared/errors.js';
import { requirePrograms } from './require-program.js';

const PROGRAM = 'prometheus-alertmanager';
const READY_TIMEOUT_MS = 20_000;
const START_ATTEMPTS = 3;

/** Routing that sends everything to a receiver that does nothing: the test reads alerts back from the API. */
const CONFIG = `route:\n  receiver: discard\n  group_wait: 1s\nreceivers:\n  - name: discard\n`;

/** A running Alertmanager; `stop` ends it by its pid and removes its directory. */
export interface RunningAlertmanager {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Why Alertmanager cannot start here, or undefined; under GLIDEPATH_REQUIRE_ALL=1 a missing binary throws instead. */
export function alertmanagerMissing(): string | undefined {
  return requirePrograms(PROGRAM).missing;
}

/** Starts Alertmanager on a free loopback port (clustering off) and waits for `/-/ready`. */
export async function startAlertmanager(): Promise<RunningAlertmanager> {
  const { paths, missing } = requirePrograms(PROGRAM);
  if (missing) throw new UnavailableError(`cannot start Alertmanager: ${missing}`);
  const dir = await mkdtemp(join(tmpdir(), 'glidepath-alertmanager-'));
  await writeFile(join(dir, 'alertmanager.yml'), CONFIG);
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const args = [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='];
    const child = spawn(paths[PROGRAM] as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitReady(url, child);
      let stopped: Promise<void> | undefined;
      return {
        url,
        pid: child.pid as number,
        stop: () => (stopped ??= stopChild(child).then(() => rm(dir, { recursive: true, force: true }))),
      };
    } catch (error) {
      lastError = new Error(`${error instanceof Error ? error.message : String(error)}\n${output}`);
      await stopChild(child);
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new UnavailableError('start prometheus-alertmanager', lastError);
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`alertmanager exited (${String(child.exitCode ?? child.signalCode)})`);
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`alertmanager was not ready at ${url} within ${READY_TIMEOUT_MS}ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
