/** The OpenAPI document a real server serves passes `redocly lint` (redocly.yaml) with no errors and no warnings. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/test-api.js';

let api: TestApi;
const dir = mkdtempSync(join(tmpdir(), 'glidepath-openapi-'));

beforeAll(async () => {
  api = await startTestApi();
});

afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('redocly lint', () => {
  it('finds no problem in the served document', async () => {
    const answer = await api.app.inject({ url: '/docs/json' });
    const file = join(dir, 'openapi.json');
    writeFileSync(file, answer.body);
    const redocly = join(process.cwd(), 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
    const run = await promisify(execFile)(process.execPath, [redocly, 'lint', file, '--config', join(process.cwd(), 'redocly.yaml'), '--format', 'stylish'], {
      timeout: 60_000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    }).catch((error: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: error.stdout ?? '', stderr: `${error.stderr ?? ''} (exit ${String(error.code)})` }));
    expect(`${run.stdout}${run.stderr}`).toContain('Woohoo! Your API description is valid');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/warning|error/i);
  }, 90_000);
});
