/**
 * The command line as a person meets it, through the built CLI: `--version`, and output into a pipe whose reader
 * goes away early (`glidepath schema | head -1`): no stack trace, and the command's own exit code.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glidepathVersion } from '../../src/shared/version.js';
import { BIN, ensureBuilt, makeProject, runCli, runProcess, shellQuote, type Project } from './helpers.js';

/** Runs `glidepath ARGS | READER` in bash; resolves with the CLI's exit code, its stderr, and the reader's output. */
async function piped(project: Project, args: readonly string[], reader: string): Promise<{ code: number; stderr: string; read: string }> {
  const cli = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  const run = await runProcess('bash', ['-c', `${cli} 2>cli.err | ${reader}; echo "exit=\${PIPESTATUS[0]}" >&2; cat cli.err >&2`], { cwd: project.dir });
  const match = /^exit=(\d+)$/m.exec(run.stderr);
  expect(match, run.stderr).not.toBeNull();
  return { code: Number(match![1]), stderr: run.stderr.replace(/^exit=\d+\n/m, ''), read: run.stdout };
}

describe('glidepath --version (real CLI)', () => {
  beforeAll(() => ensureBuilt());

  it.each([['--version'], ['-V']])('%s prints the version, exit 0', async (flag) => {
    const project = await makeProject();
    try {
      const run = await runCli([flag], { cwd: project.dir });
      expect(run).toMatchObject({ code: 0, stdout: `${glidepathVersion()}\n`, stderr: '' });
    } finally {
      await project.remove();
    }
  });
});

describe('output into a pipe closed early (real CLI, real pipes)', () => {
  let project: Project;

  beforeAll(async () => {
    await ensureBuilt();
    project = await makeProject({ 'glidepath.yaml': 'version: 1\nservice: piped\n', 'bad.yaml': 'version: 1\nservice: Bad_Name\n' });
  });

  afterAll(() => project?.remove());

  it('glidepath schema | head -1: the first line, exit 0, no stack trace', async () => {
    const result = await piped(project, ['schema'], 'head -1');
    expect(result.read).toBe('{\n');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('glidepath history | true (reader gone before the first write): exit 0, nothing on stderr', async () => {
    const result = await piped(project, ['history'], 'true');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it("keeps the command's own exit code: validate --json of a bad plan into a closed pipe exits 2", async () => {
    const result = await piped(project, ['validate', '-f', 'bad.yaml', '--json'], 'true');
    expect(result.stderr).toMatch(/^error: plan has 1 problem/);
    expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(result.code).toBe(2);
  });
});

describe('a version named on the command line (real CLI)', () => {
  beforeAll(() => ensureBuilt());

  it.each([
    [['deploy', '../x']],
    [['deploy', 'v 2']],
    [['rollback', '--to', '-v1']],
  ])('%j is refused in the user\'s words with exit 2, before any daemon starts', async (args) => {
    const project = await makeProject({
      'glidepath.yaml': 'version: 1\nservice: named\ntarget: { type: process, listen: "127.0.0.1:1", start: "node x.js {port}" }\n',
    });
    try {
      const run = await runCli(args, { cwd: project.dir });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('is not a version name (a version name may use letters, digits, . _ + - and starts with a letter or digit)');
      expect(existsSync(join(project.dir, '.glidepath', 'daemon.json'))).toBe(false);
    } finally {
      await project.remove();
    }
  });
});
