/** `glidepath validate`, `schema`, and the command line's own errors, held to DESIGN.md's contract through the real CLI. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt, linesOf, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

const GOOD_PLAN = `version: 1
service: e2e-validate
checks:
  health: { http: { url: "http://127.0.0.1:8080/health", status: 200, maxLatency: 250ms } }
  port: { tcp: { port: 8080 } }
preflight:
  - check: health
  - run: node -e "console.log('hello from tests')"
  - confirm: "SSL certificate renewed"
`;

/** Five different mistakes, one per line: wrong version, bad name, misspelt key, out-of-range port, dangling reference. */
const BAD_PLAN = `version: 2
service: Bad_Name
checks:
  web: { http: { url: "http://127.0.0.1:1/", statuss: 200 } }
  port: { tcp: { port: 70000 } }
preflight:
  - check: nosuch
`;

const EXPECTED_ISSUES = [
  { line: 1, column: 10, path: 'version', message: /expected 1/ },
  { line: 2, column: 10, path: 'service', message: /lowercase/ },
  { line: 4, column: 46, path: 'checks.web.http.statuss', message: /unknown key "statuss".*did you mean "status"/ },
  { line: 5, column: 24, path: 'checks.port.tcp.port', message: /65535/ },
  { line: 7, column: 12, path: 'preflight[0].check', message: /unknown check "nosuch"/ },
];

/** `file:line:column path: message`, as compilers print it (the CLI indents it under `error: …`). */
const LOCATED_LINE = /^\s*(\S+):(\d+):(\d+) (\S+): (.+)$/;

describe('glidepath validate (real CLI)', () => {
  let project: Project;

  beforeAll(async () => {
    await ensureBuilt();
    project = await makeProject({ 'glidepath.yaml': GOOD_PLAN, 'bad.yaml': BAD_PLAN });
  });
  afterAll(async () => {
    await project?.remove();
  });

  it('accepts a good plan: exit 0, one human line on stdout, nothing on stderr, no store created', async () => {
    const run = await runCli(['validate'], { cwd: project.dir });
    expect(run.code).toBe(0);
    expect(linesOf(run.stdout)).toEqual([expect.stringMatching(/^glidepath\.yaml: valid plan for e2e-validate \(.*checks.*preflight.*\)$/)]);
    expect(run.stderr).toBe('');
    // Validating changes nothing: no store directory appears next to the plan.
    expect(existsSync(join(project.dir, '.glidepath'))).toBe(false);
  });

  it('with --json prints exactly one document {valid:true, file, service, sections}', async () => {
    const run = await runCli(['validate', '--json'], { cwd: project.dir });
    expect(run.code).toBe(0);
    expect(parseOneJson(run.stdout)).toEqual({
      valid: true,
      file: join(project.dir, 'glidepath.yaml'),
      service: 'e2e-validate',
      sections: expect.arrayContaining(['version', 'service', 'checks', 'preflight']),
    });
    expect(run.stderr).toBe('');
  });

  it('takes the global options before the command too (--json -f FILE validate)', async () => {
    const run = await runCli(['--json', '-f', 'glidepath.yaml', 'validate'], { cwd: project.dir });
    expect(run.code).toBe(0);
    expect(parseOneJson(run.stdout)).toMatchObject({ valid: true, service: 'e2e-validate' });
  });

  it('reports all five mistakes of a bad plan, each as file:line:column path: message, exit 2', async () => {
    const run = await runCli(['-f', 'bad.yaml', 'validate'], { cwd: project.dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: plan has 5 problems/);
    const located = linesOf(run.stderr)
      .map((line) => LOCATED_LINE.exec(line))
      .filter((match): match is RegExpExecArray => match !== null);
    expect(located).toHaveLength(5);
    located.forEach((match, i) => {
      const want = EXPECTED_ISSUES[i]!;
      expect(match[1]).toBe('bad.yaml');
      expect({ line: Number(match[2]), column: Number(match[3]), path: match[4] }).toEqual({ line: want.line, column: want.column, path: want.path });
      expect(match[5]).toMatch(want.message);
    });
  });

  it('with --json gives {error:{code:"plan_invalid", issues:[5 located]}} as the only stdout document', async () => {
    const run = await runCli(['-f', 'bad.yaml', 'validate', '--json'], { cwd: project.dir });
    expect(run.code).toBe(2);
    const doc = parseOneJson(run.stdout) as { error: { code: string; message: string; issues: unknown[] } };
    expect(doc.error.code).toBe('plan_invalid');
    expect(typeof doc.error.message).toBe('string');
    expect(doc.error.issues).toEqual(
      EXPECTED_ISSUES.map((want) => ({
        file: 'bad.yaml',
        line: want.line,
        column: want.column,
        path: want.path,
        message: expect.stringMatching(want.message),
      })),
    );
    // The human error still goes to stderr, never to stdout.
    expect(run.stderr).toMatch(/^error: plan has 5 problems/);
  });

  it('never prints a variable\'s value when a flow mapping holding it becomes a key, on stdout or stderr', async () => {
    const secret = 'e2e-secret-3f9a1c';
    await project.write('complex-key.yaml', 'version: 1\nservice: s\n{ a: "${SECRET}" }: 1\nchecks:\n  ? [ "${SECRET}" ]\n  : 1\n');
    for (const args of [['-f', 'complex-key.yaml', 'validate'], ['-f', 'complex-key.yaml', 'validate', '--json']]) {
      const run = await runCli(args, { cwd: project.dir, env: { SECRET: secret } });
      expect(run.code).toBe(2);
      expect(`${run.stdout}${run.stderr}`).toMatch(/complex-key\.yaml:3:1 .*a key must be a plain name/);
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });

  it('refuses a key glidepath does not carry out yet, at its line, exit 2', async () => {
    await project.write('unsupported.yaml', 'version: 1\nservice: s\ntarget: { type: process, start: x }\nverify:\n  - { tcp: { port: 80 }, interval: 30s }\n');
    const run = await runCli(['-f', 'unsupported.yaml', 'validate'], { cwd: project.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unsupported\.yaml:5:26 verify\[0\]\.interval: interval is not supported yet/);
  });

  it('locates a YAML syntax error, exit 2', async () => {
    await project.write('broken.yaml', 'version: 1\nservice: [unclosed\n');
    const run = await runCli(['-f', 'broken.yaml', 'validate', '--json'], { cwd: project.dir });
    expect(run.code).toBe(2);
    const doc = parseOneJson(run.stdout) as { error: { code: string; issues: { file: string; line: number; column: number }[] } };
    expect(doc.error.code).toBe('plan_invalid');
    expect(doc.error.issues.length).toBeGreaterThan(0);
    expect(doc.error.issues[0]).toMatchObject({ file: 'broken.yaml', line: expect.any(Number), column: expect.any(Number) });
  });

  it('a missing plan file is bad input: exit 2, named on stderr; --json gives one error document', async () => {
    const human = await runCli(['-f', 'nope.yaml', 'validate'], { cwd: project.dir });
    expect(human.code).toBe(2);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(/^error: .*nope\.yaml.*no such file/m);

    const json = await runCli(['-f', 'nope.yaml', '--json', 'validate'], { cwd: project.dir });
    expect(json.code).toBe(2);
    expect(parseOneJson(json.stdout)).toEqual({ error: { code: 'usage', message: expect.stringMatching(/nope\.yaml/) } });
  });

  it('without -f and without ./glidepath.yaml: exit 2 and a hint to use -f', async () => {
    const empty = await makeProject();
    try {
      const run = await runCli(['validate'], { cwd: empty.dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/glidepath\.yaml.*-f/);
    } finally {
      await empty.remove();
    }
  });
});

describe('command-line usage errors (real CLI)', () => {
  let project: Project;

  beforeAll(async () => {
    await ensureBuilt();
    project = await makeProject({ 'glidepath.yaml': GOOD_PLAN });
  });
  afterAll(async () => {
    await project?.remove();
  });

  it('an unknown option is exit 2 with the option named on stderr', async () => {
    const run = await runCli(['validate', '--nope'], { cwd: project.dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/unknown option '--nope'/);
  });

  it('an unknown command is exit 2 with the command named on stderr', async () => {
    const run = await runCli(['bogus'], { cwd: project.dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/unknown command 'bogus'/);
  });

  it('usage errors with --json still leave exactly one JSON document on stdout', async () => {
    for (const args of [['--json', 'bogus'], ['--json', 'validate', '--nope']]) {
      const run = await runCli(args, { cwd: project.dir });
      expect(run.code).toBe(2);
      expect(parseOneJson(run.stdout)).toEqual({ error: { code: 'usage', message: expect.any(String) } });
    }
  });

  it('no arguments prints the help and exits 2', async () => {
    const run = await runCli([], { cwd: project.dir });
    expect(run.code).toBe(2);
    const help = run.stdout + run.stderr;
    expect(help).toMatch(/Usage: glidepath/);
    for (const command of ['validate', 'schema', 'check', 'preflight']) expect(help).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    for (const option of ['-f, --file', '--json', '--verbose']) expect(help).toContain(option);
  });

  it('--help prints the help on stdout and exits 0', async () => {
    const run = await runCli(['--help'], { cwd: project.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: glidepath/);
  });

  it('each command documents its options in its --help', async () => {
    const check = await runCli(['check', '--help'], { cwd: project.dir });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('--url');
    const preflight = await runCli(['preflight', '--help'], { cwd: project.dir });
    expect(preflight.code).toBe(0);
    for (const option of ['--yes', '--fail-fast', '--url']) expect(preflight.stdout).toContain(option);
  });
});

describe('glidepath schema (real CLI)', () => {
  let project: Project;
  let committed: string;

  beforeAll(async () => {
    await ensureBuilt();
    // No plan needed: editors ask for the schema before a plan exists.
    project = await makeProject();
    committed = await readFile(join(REPO_ROOT, 'schema', 'glidepath.schema.json'), 'utf8');
  });
  afterAll(async () => {
    await project?.remove();
  });

  it('prints a JSON Schema of the plan with $schema and properties.service, exit 0, nothing on stderr', async () => {
    const run = await runCli(['schema'], { cwd: project.dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const schema = parseOneJson(run.stdout) as { $schema?: unknown; type?: unknown; properties?: Record<string, unknown> };
    expect(schema.$schema).toEqual(expect.stringMatching(/json-schema\.org/));
    expect(schema.properties).toHaveProperty('service');
    expect(schema.properties).toHaveProperty('version');
    expect(schema.properties).toHaveProperty('checks');
    expect(schema.properties).toHaveProperty('preflight');
  });

  it('equals the committed schema/glidepath.schema.json (byte for byte and as JSON)', async () => {
    const run = await runCli(['schema'], { cwd: project.dir });
    expect(run.code).toBe(0);
    expect(parseOneJson(run.stdout)).toEqual(JSON.parse(committed));
    expect(run.stdout).toBe(committed);
  });

  it('with --json prints the same schema as one document', async () => {
    const run = await runCli(['--json', 'schema'], { cwd: project.dir });
    expect(run.code).toBe(0);
    expect(parseOneJson(run.stdout)).toEqual(JSON.parse(committed));
  });
});
