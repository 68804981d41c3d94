import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheckContract } from '../check.contract.js';
import { runCheck } from '../run-check.js';
import { commandCheckSchema, createCommandCheck } from './index.js';
import { processGroupAlive } from '../../exec/process-group.js';

let dir: string;
const node = `'${process.execPath}'`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glidepath-command-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const check = (config: Record<string, unknown>, variables: Record<string, string> = {}) =>
  createCommandCheck(commandCheckSchema.parse(config), { cwd: dir, variables });
const run = (config: Record<string, unknown>, variables?: Record<string, string>) =>
  check(config, variables).run({ signal: new AbortController().signal });

/** The pid a `sh -c 'echo $$; …'` command printed first: its process group id. */
function firstPid(output: unknown): number {
  return Number(String(output).split('\n')[0]);
}

describe('command check', () => {
  it('passes on exit 0 and keeps the output', async () => {
    const result = await run({ run: `${node} -e "console.log('hello world')"`, outputContains: 'hello' });
    expect(result.status, result.detail).toBe('pass');
    expect(result.detail).toMatch(/ exited 0 in \d+(\.\d+)?m?s$/);
    expect(result.data).toMatchObject({ exitCode: 0, output: 'hello world\n' });
  });

  it('fails on another exit code, quoting the last line of output', async () => {
    const result = await run({ run: `sh -c 'echo working; echo boom >&2; exit 3'` });
    expect(result).toMatchObject({ status: 'fail', detail: `sh -c 'echo working; echo boom >&2; exit 3' exited 3, expected 0: boom` });
    expect((await run({ run: `sh -c 'exit 3'`, exitCode: 3 })).status).toBe('pass');
  });

  it('fails when the output lacks the expected text', async () => {
    const result = await run({ run: 'echo all good', outputContains: 'All tests passed' });
    expect(result).toMatchObject({ status: 'fail', detail: 'echo all good exited 0 but output lacks "All tests passed"' });
  });

  it('finds the expected text even when it scrolled out of the kept tail', async () => {
    const script = "console.log('MARKER'); console.log('x'.repeat(10000))";
    const result = await run({ run: `${node} -e "${script}"`, outputContains: 'MARKER' });
    expect(result.status).toBe('pass');
    expect(String(result.data?.output).length).toBeLessThanOrEqual(4096);
    expect(result.data?.output).not.toContain('MARKER');
  });

  it('uses no shell unless asked', async () => {
    const plain = await run({ run: 'echo $HOME | tr a-z A-Z' });
    expect(plain.data?.output).toBe('$HOME | tr a-z A-Z\n');
    const shell = await run({ run: 'echo abc | tr a-z A-Z', shell: true, outputContains: 'ABC' });
    expect(shell.status).toBe('pass');
  });

  it('runs in cwd with env and placeholders filled in', async () => {
    const result = await run(
      { run: `sh -c 'pwd; echo "$RELEASE"'`, cwd: '.', env: { RELEASE: 'v{version}' } },
      { version: '1.2.3' },
    );
    expect(result.data?.output).toBe(`${dir}\nv1.2.3\n`);
  });

  it('keeps secret env values out of the result', async () => {
    const result = await run({ run: `sh -c 'echo token is $API_TOKEN; exit 1'`, env: { API_TOKEN: 'tok-123456' } });
    expect(result.status).toBe('fail');
    expect(JSON.stringify(result)).not.toContain('tok-123456');
  });

  it('reports a missing program or directory as an error', async () => {
    expect(await run({ run: 'no-such-program-xyz --flag' })).toMatchObject({
      status: 'error',
      detail: 'no-such-program-xyz --flag: command not found: no-such-program-xyz',
    });
    expect((await run({ run: 'true', cwd: 'missing' })).detail).toBe(`true: working directory not found: ${join(dir, 'missing')}`);
  });

  it('kills the whole process group on timeout', async () => {
    const result = await runCheck(check({ run: `sh -c 'echo $$; sleep 30 & sleep 30'` }), { timeoutMs: 300 });
    expect(result.status).toBe('error');
    expect(result.detail).toMatch(/^sh -c 'echo \$\$; sleep 30 & sleep 30': timed out after 300ms; stopped the command: \d+$/);
    expect(processGroupAlive(firstPid(result.data?.output))).toBe(false);
  });

  it('uses SIGKILL when SIGTERM is ignored', async () => {
    const started = performance.now();
    const result = await runCheck(check({ run: `sh -c 'trap "" TERM; echo $$; sleep 30'` }), { timeoutMs: 200 });
    expect(result.status).toBe('error');
    expect(performance.now() - started).toBeLessThan(3500);
    expect(processGroupAlive(firstPid(result.data?.output))).toBe(false);
  });

  it('stops what the command left running in the background', async () => {
    const result = await run({ run: `sh -c 'echo $$; sleep 30 & echo started'` });
    expect(result.status).toBe('pass');
    expect(processGroupAlive(firstPid(result.data?.output))).toBe(false);
  });

  it('rejects a command line with an unterminated quote', () => {
    const parsed = commandCheckSchema.safeParse({ run: 'echo "oops' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['run'], message: 'unterminated double quote in command' });
    expect(commandCheckSchema.safeParse({ run: 'echo "oops', shell: true }).success).toBe(true);
  });
});

runCheckContract({ name: 'command pass', create: async () => ({ check: check({ run: 'true' }), expect: 'pass' }) });
runCheckContract({
  name: 'command fail',
  create: async () => ({ check: check({ run: 'sh -c "echo $PASSWORD; exit 1"', env: { PASSWORD: 'hunter22' } }), expect: 'fail', secrets: ['hunter22'] }),
});
