import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError, PlanError } from '../shared/errors.js';
import { PlanSource, planSha256, readPlanFile, sameProject } from './plan-in-force.js';

const root = mkdtempSync(join(tmpdir(), 'glidepath-plan-in-force-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function plan(options: { listen?: string; ready?: string; store?: string; service?: string } = {}): string {
  return [
    'version: 1',
    `service: ${options.service ?? 'shop'}`,
    'daemon: { listen: "127.0.0.1:7070" }',
    ...(options.store ? [`store: "${options.store}"`] : []),
    'target:',
    '  type: process',
    `  listen: "${options.listen ?? '127.0.0.1:8080'}"`,
    '  start: node server.js --port {port}',
    `  ready: { path: ${options.ready ?? '/health'} }`,
    '  env: { TOKEN: "${SHOP_TOKEN}" }',
    '',
  ].join('\n');
}

function project(name: string, text = plan()): { dir: string; file: string } {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'glidepath.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

const env = { SHOP_TOKEN: 'secret-token-1' };

describe('the plan in force', () => {
  it('reads the file as it is now: an edit is the plan of the next release, recorded with its text and sha256', () => {
    const { file } = project('edit');
    const source = new PlanSource(readPlanFile(file, env), env, () => 'pid 1');
    const edited = plan({ ready: '/ready' });
    writeFileSync(file, edited);
    const next = source.forRelease();
    expect(next.loaded.plan.target).toMatchObject({ ready: { path: '/ready' } });
    expect(next.text).toBe(edited);
    expect(next.sha256).toBe(planSha256(edited));
    expect(next.text).toContain('${SHOP_TOKEN}');
    // Nothing is in force until adopted.
    expect(source.current.loaded.plan.target).toMatchObject({ ready: { path: '/health' } });
    source.adopt(next);
    expect(source.current).toBe(next);
  });

  it('text sent by the caller wins over the file; a bad one throws its PlanError and changes nothing', () => {
    const { file } = project('text');
    const source = new PlanSource(readPlanFile(file, env), env, () => 'pid 1');
    expect(source.forRelease({ file, text: plan({ ready: '/sent' }) }).loaded.plan.target).toMatchObject({ ready: { path: '/sent' } });
    expect(() => source.forRelease({ file, text: 'version: 1\nservice: shop\nanalysis: { interval: banana }\n' })).toThrow(PlanError);
    expect(source.current.loaded.plan.target).toMatchObject({ ready: { path: '/health' } });
  });

  it('refuses settings fixed at start, one line each, saying how to apply them, and never shows a store URL', () => {
    const { file } = project('restart');
    const source = new PlanSource(readPlanFile(file, env), env, () => 'pid 1');
    const attempt = () => source.forRelease({ file, text: plan({ listen: '127.0.0.1:9090', store: 'postgres://u:pw-secret@db/x' }) });
    expect(attempt).toThrow(ApiError);
    try {
      attempt();
    } catch (error) {
      expect((error as ApiError).status).toBe(409);
      expect((error as ApiError).code).toBe('restart_needed');
      expect((error as Error).message).toContain('target.listen changed from 127.0.0.1:8080 to 127.0.0.1:9090: run `glidepath down && glidepath up` to apply it');
      expect((error as Error).message).toContain('store changed: run `glidepath down && glidepath up` to apply it');
      expect((error as Error).message).not.toContain('pw-secret');
    }
    expect(() => source.forRelease({ file, text: plan({ service: 'other' }) })).toThrow(/service changed from shop to other/);
  });

  it('refuses a plan of another project directory, naming both plans; a symbolic link to the same directory is the same project', () => {
    const home = project('home');
    const other = project('other');
    symlinkSync(home.dir, join(root, 'home-link'));
    expect(sameProject(join(root, 'home-link', 'glidepath.yaml'), home.file)).toBe(true);
    const source = new PlanSource(readPlanFile(home.file, env), env, () => 'pid 1 at http://127.0.0.1:7070');
    expect(() => source.forRelease({ file: other.file })).toThrow(ApiError);
    try {
      source.forRelease({ file: other.file });
    } catch (error) {
      expect((error as ApiError).code).toBe('other_project');
      expect((error as Error).message).toContain(home.file);
      expect((error as Error).message).toContain(other.file);
      expect((error as Error).message).toContain('pid 1 at http://127.0.0.1:7070');
    }
    // Another file of the same directory is this project's plan.
    writeFileSync(join(home.dir, 'staging.yaml'), plan({ ready: '/staging' }));
    expect(source.forRelease({ file: join(home.dir, 'staging.yaml') }).loaded.plan.target).toMatchObject({ ready: { path: '/staging' } });
  });
});
