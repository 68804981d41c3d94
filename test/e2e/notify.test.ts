/**
 * Notifications end to end: the built CLI, a detached daemon, real sample-service versions, and a real HTTP
 * receiver on loopback that checks every webhook signature. A good release delivers started + promoted; a canary
 * that answers 500 delivers started + rolled back with the reason; `notify list|test|log` say what happened.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signatureProblem } from '../../src/notifiers/webhook/signature.js';
import { processAlive } from '../../src/shared/process-alive.js';
import { NotificationReceiver } from '../../src/testing/notification-receiver.js';
import { processPlanLines } from '../../src/testing/test-service.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

const SECRET = 'e2e-webhook-secret-0123456789';
const ENV = { HOOK_SECRET: SECRET };

interface Sent {
  event: string;
  summary: string;
  release: { version: string; reason: string | null } | null;
}

let project: Project | undefined;
let receiver: NotificationReceiver | undefined;

beforeAll(async () => {
  await ensureBuilt();
});

afterEach(async () => {
  if (project) {
    await runCli(['down'], { cwd: project.dir, env: ENV, timeoutMs: 70_000 }).catch(() => undefined);
    await project.remove();
  }
  await receiver?.stop();
  project = undefined;
  receiver = undefined;
});

async function setUp(): Promise<{ project: Project; receiver: NotificationReceiver }> {
  receiver = await NotificationReceiver.start();
  project = await makeProject();
  const proxyPort = await closedPort();
  let daemonPort = await closedPort();
  while (daemonPort === proxyPort) daemonPort = await closedPort();
  for (const [version, settings] of Object.entries({ v1: {}, v2: {}, v3: { ERROR_RATE: 1 } })) {
    mkdirSync(join(project.dir, 'releases', version), { recursive: true });
    writeFileSync(join(project.dir, 'releases', version, 'service.json'), JSON.stringify(settings));
  }
  const plan = [
    ...processPlanLines('shop', daemonPort, proxyPort),
    'strategy:',
    '  canary:',
    '    steps: [{ weight: 50 }]',
    'verify:',
    '  - http: { url: "{url}/", status: 200 }',
    'notify:',
    `  hook: { webhook: "${receiver.url}/hooks/glidepath", secret: "\${HOOK_SECRET}", on: [release.started, release.promoted, release.rolled_back, release.failed, release.waiting] }`,
    '',
  ].join('\n');
  await project.write('glidepath.yaml', plan);
  return { project, receiver };
}

function cli(args: string[], timeoutMs = 60_000) {
  return runCli(args, { cwd: (project as Project).dir, env: ENV, timeoutMs });
}

/** The documents received so far, each after its signature has been checked as a receiver would. */
function received(peer: NotificationReceiver): Sent[] {
  return peer.requests.map((request) => {
    const problem = signatureProblem(
      SECRET,
      { signature: request.headers['x-glidepath-signature'] as string | undefined, timestamp: request.headers['x-glidepath-timestamp'] as string | undefined },
      request.rawBody,
    );
    expect(problem, request.rawBody).toBeUndefined();
    return JSON.parse(request.rawBody) as Sent;
  });
}

describe('release notifications', () => {
  it('a release delivers started and promoted; a failing canary started and rolled back with its reason, all signed', async () => {
    const { receiver: peer } = await setUp();
    const first = await cli(['deploy', 'v1', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const good = await cli(['deploy', 'v2', '--json']);
    expect(good.code, good.stderr).toBe(0);
    await peer.waitForRequests(4, 15_000);
    expect(received(peer).map((d) => [d.event, d.release?.version])).toEqual([
      ['release.started', 'v1'],
      ['release.promoted', 'v1'],
      ['release.started', 'v2'],
      ['release.promoted', 'v2'],
    ]);

    const bad = await cli(['deploy', 'v3', '--json']);
    expect(bad.code, bad.stderr).toBe(1);
    const release = parseOneJson(bad.stdout) as { status: string; reason: string };
    expect(release.status).toBe('rolled_back');
    await peer.waitForRequests(6, 15_000);
    const [started, rolledBack] = received(peer).slice(4);
    expect(started).toMatchObject({ event: 'release.started', release: { version: 'v3' } });
    expect(rolledBack).toMatchObject({ event: 'release.rolled_back', release: { version: 'v3', reason: release.reason } });
    expect(rolledBack?.summary).toBe(`shop: release v3 rolled back: ${release.reason}`);
    expect(release.reason).toMatch(/500/);

    // The delivery log, newest first, and the notifier as `notify list` shows it.
    const log = await cli(['notify', 'log', '--json']);
    expect(log.code, log.stderr).toBe(0);
    const { deliveries } = parseOneJson(log.stdout) as { deliveries: { event: string; status: string; attempts: number; notifier: string }[] };
    expect(deliveries.map((d) => d.event)).toEqual(['release.rolled_back', 'release.started', 'release.promoted', 'release.started', 'release.promoted', 'release.started']);
    expect(deliveries.every((d) => d.status === 'delivered' && d.attempts === 1 && d.notifier === 'hook')).toBe(true);
    const list = await cli(['notify', 'list', '--json']);
    expect(parseOneJson(list.stdout)).toEqual({
      service: 'shop',
      notifiers: [
        {
          name: 'hook',
          kind: 'webhook',
          destination: `${peer.url}/…`,
          signed: true,
          on: ['release.started', 'release.promoted', 'release.rolled_back', 'release.failed', 'release.waiting'],
          timeoutMs: 10_000,
          retry: { attempts: 5, backoffMs: 1_000, withinMs: 120_000 },
        },
      ],
    });

    // The secret is nowhere the daemon writes.
    const daemonLog = readFileSync(join((project as Project).dir, '.glidepath', 'daemon.log'), 'utf8');
    expect(daemonLog).toContain('notify hook (webhook): release.rolled_back delivered after 1 attempt(s)');
    expect(daemonLog).not.toContain(SECRET);
    expect(readFileSync(join((project as Project).dir, '.glidepath', 'state.db')).includes(SECRET)).toBe(false);

    const pid = (JSON.parse(readFileSync(join((project as Project).dir, '.glidepath', 'daemon.json'), 'utf8')) as { pid: number }).pid;
    const down = await cli(['down', '--json'], 70_000);
    expect(down.code, down.stderr).toBe(0);
    expect(processAlive(pid)).toBe(false);
  }, 180_000);

  it('notify test says whether it was delivered: exit 0 to a live receiver, exit 1 (with the error) to a dead one', async () => {
    const { receiver: peer } = await setUp();
    const ok = await cli(['notify', 'test', 'hook', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(parseOneJson(ok.stdout)).toMatchObject({ service: 'shop', delivered: true, delivery: { notifier: 'hook', event: 'test', status: 'delivered', attempts: 1 } });
    expect(received(peer)).toMatchObject([{ event: 'test' }]);
    await peer.stop();
    receiver = undefined;
    const plan = readFileSync(join((project as Project).dir, 'glidepath.yaml'), 'utf8').replace('secret: "${HOOK_SECRET}"', 'secret: "${HOOK_SECRET}", retry: { attempts: 2, backoff: 100ms }');
    await (project as Project).write('glidepath.yaml', plan);
    const dead = await cli(['notify', 'test', 'hook']);
    expect(dead.code).toBe(1);
    expect(dead.stdout).toMatch(/^✘ not delivered to hook \(webhook\) after 2 attempt\(s\): POST http:\/\/127\.0\.0\.1:\d+\/…: connection refused \(2 attempt\(s\), the most allowed\)$/m);
    const unknown = await cli(['notify', 'test', 'nobody']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no notifier named "nobody" (the plan\'s notifiers: hook)');
  }, 60_000);
});
