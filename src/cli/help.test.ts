/**
 * The command line as a person meets it: `--version`, every subcommand's help listing the global options, and the
 * README's command table naming exactly the commands `glidepath --help` lists (with each one's subcommands).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { glidepathVersion } from '../shared/version.js';
import { main } from './main.js';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    streams: { stdout: { write: (chunk: string) => (stdout += chunk) }, stderr: { write: (chunk: string) => (stderr += chunk) }, stdin: process.stdin },
    env: {},
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

/** Names in the "Commands:" section of a help text, without `help`. */
function commandsIn(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}(\S+)/gm)].map((match) => match[1] ?? '').filter((name) => name !== 'help');
}

/** Every command path the CLI has, walking each command's help. */
async function allCommands(prefix: string[] = []): Promise<string[][]> {
  const { stdout } = await run([...prefix, '--help']);
  const paths: string[][] = [];
  for (const name of commandsIn(stdout)) {
    paths.push([...prefix, name]);
    paths.push(...(await allCommands([...prefix, name])));
  }
  return paths;
}

describe('glidepath --version', () => {
  it.each([['--version'], ['-V']])('%s prints the version alone, exit 0', async (flag) => {
    const result = await run([flag]);
    expect(result).toEqual({ code: 0, stdout: `${glidepathVersion()}\n`, stderr: '' });
    expect(glidepathVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('help of every subcommand', () => {
  it('lists the global options -f FILE and --json for each command and subcommand', async () => {
    const paths = await allCommands();
    expect(paths.length).toBeGreaterThan(20);
    expect(paths).toContainEqual(['backup', 'restore']);
    for (const path of paths) {
      const { code, stdout } = await run([...path, '--help']);
      expect(code, path.join(' ')).toBe(0);
      expect(stdout, path.join(' ')).toMatch(/^ {2}-f, --file <file>/m);
      expect(stdout, path.join(' ')).toMatch(/^ {2}--json /m);
    }
  });
});

describe("the README's command table", () => {
  /** First-column cells of the table under "## Commands": each names one or more commands. */
  function readmeCommands(): Map<string, Set<string>> {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = (readme.split(/^## Commands$/m)[1] ?? '').split(/^## /m)[0] ?? '';
    const commands = new Map<string, Set<string>>();
    for (const row of table.split('\n').filter((line) => line.startsWith('| `glidepath '))) {
      for (const [, name, rest] of row.split(' | ')[0]!.matchAll(/`glidepath ([a-z-]+)((?: [a-z|\\-]+)?)[^`]*`|`([a-z-]+)`/g)) {
        if (name === undefined) continue;
        const subcommands = (rest ?? '').trim().replaceAll('\\', '');
        commands.set(name, new Set(/^[a-z-]+(\|[a-z-]+)+$/.test(subcommands) ? subcommands.split('|') : []));
      }
      // `glidepath promote` / `pause` / …: the bare names after the first.
      for (const [, bare] of row.split(' | ')[0]!.matchAll(/ \/ `([a-z-]+)/g)) if (bare && !commands.has(bare)) commands.set(bare, new Set());
    }
    return commands;
  }

  it('names every command of glidepath --help, and no other', async () => {
    const { stdout } = await run(['--help']);
    const listed = readmeCommands();
    expect([...listed.keys()].sort()).toEqual(commandsIn(stdout).sort());
  });

  it('lists the subcommands of each command that has them', async () => {
    for (const [name, subcommands] of readmeCommands()) {
      const { stdout } = await run([name, '--help']);
      expect([...subcommands].sort(), name).toEqual(commandsIn(stdout).sort());
    }
  });
});
