/**
 * Test help: a real nginx as its own master (`daemon off`, `-p DIR -c DIR/nginx.conf`) whose `http` block includes
 * the files of `DIR/conf.d/`, where an nginx target writes; stopped by its own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnavailableError } from '../shared/errors.js';
import { requirePrograms } from './require-program.js';

/** A running nginx and the commands a plan's nginx target checks and reloads it with. */
export interface NginxServer {
  readonly pid: number;
  /** The file an nginx target owns: `DIR/conf.d/glidepath.conf`. */
  readonly configFile: string;
  /** `nginx -p DIR -c DIR/nginx.conf -t` and `… -s reload`. */
  readonly testCommand: string;
  readonly reloadCommand: string;
  /** nginx's own error log so far. */
  errorLog(): string;
  /** SIGQUIT (graceful), SIGKILL after 5 s, by its pid; safe to call twice. */
  stop(): Promise<void>;
}

/** Why nginx cannot run here, or undefined; under GLIDEPATH_REQUIRE_ALL=1 a missing nginx throws instead. */
export function nginxMissing(): string | undefined {
  return requirePrograms('nginx').missing;
}

function mainConfig(dir: string): string {
  const temp = join(dir, 'temp');
  return [
    'daemon off;',
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} notice;`,
    'events { worker_connections 1024; }',
    'http {',
    `    access_log off;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${temp};`),
    `    include ${join(dir, 'conf.d')}/*.conf;`,
    '}',
    '',
  ].join('\n');
}

/** Starts nginx over `dir` (created files: nginx.conf, conf.d/, temp/, logs) and waits for its pid file. */
export async function startNginx(dir: string): Promise<NginxServer> {
  const { paths, missing } = requirePrograms('nginx');
  if (missing) throw new UnavailableError(`cannot start nginx: ${missing}`);
  const nginx = paths.nginx as string;
  for (const sub of ['conf.d', 'temp', 'logs']) mkdirSync(join(dir, sub), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, mainConfig(dir));
  const base = `${nginx} -p ${dir} -c ${conf}`;
  const child = spawn(nginx, ['-p', dir, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pidFile = join(dir, 'nginx.pid');
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new UnavailableError(`nginx exited at start: ${output}`);
    let pid = '';
    try {
      pid = readFileSync(pidFile, 'utf8').trim();
    } catch {
      // not written yet
    }
    if (pid === String(child.pid)) break;
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new UnavailableError(`nginx wrote no pid file within 10s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let stopped: Promise<void> | undefined;
  return {
    pid: child.pid as number,
    configFile: join(dir, 'conf.d', 'glidepath.conf'),
    testCommand: `${base} -t`,
    reloadCommand: `${base} -s reload`,
    errorLog: () => readFileSync(join(dir, 'error.log'), 'utf8'),
    stop: () => (stopped ??= stopChild(child)),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGQUIT');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

/** The first plan lines of an `nginx` target section driving `nginx`, listening on 127.0.0.1:`port`. */
export function nginxTargetLines(nginx: NginxServer, port: number): string[] {
  return [
    '  type: nginx',
    `  listen: 127.0.0.1:${port}`,
    `  config: ${nginx.configFile}`,
    `  test: ${JSON.stringify(nginx.testCommand)}`,
    `  reload: ${JSON.stringify(nginx.reloadCommand)}`,
  ];
}
