/**
 * The Render recipe of docs/targets.md against a stand-in Render on loopback that keeps its semantics: a deploy
 * hook (`POST /deploy/srv-…?key=…&imgURL=…`, refused without the key) replaces the running image after a moment, and
 * the service's `/version/<v>` answers 200 only while that version serves. The hook's key is a secret.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/load.js';
import type { TargetEvent } from '../target.js';
import { CommandTarget } from './command-target.js';

const KEY = 'rnd_s3cretHookKey';

describe('command target: the Render recipe against a stand-in Render', () => {
  let server: Server;
  let dir: string;
  let target: CommandTarget;
  let live = 'none';
  const deploys: string[] = [];
  const events: TargetEvent[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://render');
      if (req.method === 'POST' && url.pathname === '/deploy/srv-1') {
        if (url.searchParams.get('key') !== KEY) return void res.writeHead(401).end('unauthorized');
        const image = url.searchParams.get('imgURL') ?? '';
        deploys.push(image);
        setTimeout(() => (live = image), 150);
        return void res.writeHead(200).end(JSON.stringify({ deploy: { id: `dep-${deploys.length}` }, hook: req.url }));
      }
      const version = /^\/version\/(.+)$/.exec(url.pathname)?.[1];
      res.writeHead(version !== undefined && live === `docker.io/acme/shop:${version}` ? 200 : 404).end(live);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'glidepath-render-'));
    const hook = `${base}/deploy/srv-1?key=${KEY}`;
    const plan = parsePlan(
      `version: 1
service: shop
target:
  type: command
  shell: true
  serviceUrl: ${base}
  start: curl -fsS -X POST "$RENDER_DEPLOY_HOOK&imgURL=docker.io/acme/shop:"{version}
  ready: { url: "${base}/version/{version}", timeout: 10s, interval: 50ms }
  setWeights: "true"
  rollback: curl -fsS -X POST "$RENDER_DEPLOY_HOOK&imgURL=docker.io/acme/shop:"{version}
  stop: "true"
  env: { RENDER_DEPLOY_HOOK: "\${RENDER_DEPLOY_HOOK}" }
strategy: { bluegreen: {} }
`,
      'glidepath.yaml',
      { RENDER_DEPLOY_HOOK: hook },
    );
    if (plan.target?.type !== 'command') throw new Error('command target expected');
    target = new CommandTarget({ config: plan.target, service: 'shop', planDir: dir, stateDir: dir, secrets: [hook] });
    target.onEvent((event) => events.push(event));
  });

  afterAll(async () => {
    await target?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys a version through the hook and is ready once the service reports it', async () => {
    const first = await target.startVersion('v1', {});
    expect(first, JSON.stringify(first)).toMatchObject({ status: 'ready', version: 'v1' });
    expect(live).toBe('docker.io/acme/shop:v1');
    await target.setWeights({ v1: 100 });
    expect(await target.currentWeights()).toBe('unsupported');
  });

  it('switches to the next version, and rolls back by deploying the stable image again', async () => {
    expect(await target.startVersion('v2', {})).toMatchObject({ status: 'ready' });
    expect(live).toBe('docker.io/acme/shop:v2');
    await target.setWeights({ v1: 100 });
    expect(deploys).toEqual(['docker.io/acme/shop:v1', 'docker.io/acme/shop:v2', 'docker.io/acme/shop:v1']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(live).toBe('docker.io/acme/shop:v1');
  });

  it('records each command with its output, the hook and its key masked', () => {
    const runs = events.filter((e) => e.type === 'command.ran').map((e) => e.command);
    expect(runs.map((r) => r?.name)).toEqual(['start', 'setWeights', 'start', 'rollback']);
    expect(runs[0]?.output).toContain('dep-1');
    expect(JSON.stringify(runs)).not.toContain(KEY);
    expect(runs[0]?.output).toContain('***');
  });
});
