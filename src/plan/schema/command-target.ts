/** `target: { type: command }`: any platform with a CLI, driven by the user's own templated commands. */
import { z } from 'zod';
import { httpUrl } from '../../shared/value-schemas.js';
import { durationMs } from '../../shared/units-schema.js';
import { commandLine, envMap } from './common.js';

export const DEFAULT_COMMAND_TIMEOUT = '5m';
export const DEFAULT_COMMAND_READY_TIMEOUT = '2m';

const PLACEHOLDERS =
  'Placeholders: `{version}` (the version the command is about; in `setWeights` the newest version given traffic), `{weight}` (its percent), ' +
  '`{stable}` and `{stableWeight}` (the other version with the most traffic, empty and 0 without one), `{weights}` (every version given traffic as ' +
  '`a=90,b=10`), `{weight.<version>}` (one version\'s percent), `{service}`, `{url}` and `{service_url}`.';

/** One command: a command line, or one with its own timeout. */
const commandStep = (description: string) =>
  z
    .union([
      commandLine(description),
      z.strictObject({
        run: commandLine('The command line.'),
        timeout: durationMs('How long the command may run before it is stopped and its step fails; default: the target\'s `timeout`.').optional(),
      }),
    ])
    .describe(`${description} A command line, or \`{ run, timeout }\`.`);

const readySchema = z
  .strictObject({
    url: httpUrl('Polled until it answers 2xx (a health URL); may use `{version}` and `{url}`.', 'https://{version}.example.com/health').optional(),
    command: commandLine('Run until it exits 0 (with the placeholders).').optional(),
    timeout: durationMs('How long a version may take to become ready after `start`.').prefault(DEFAULT_COMMAND_READY_TIMEOUT),
    interval: durationMs('Pause between two readiness probes.').prefault('2s'),
  })
  .refine((ready) => (ready.url === undefined) !== (ready.command === undefined), { error: 'expected exactly one of url or command' })
  .describe('When a started version is ready: a health URL or a command; without it a version is ready once `start` exits 0.');

/** The `command` target's plan section. */
export const commandTarget = z
  .strictObject({
    type: z.literal('command').describe('Any platform, driven by your own commands.'),
    serviceUrl: httpUrl('The service\'s public address (`{service_url}`), for checks.', 'https://shop-abc.a.run.app'),
    url: httpUrl('Direct address of a version, for checks (`{url}`); may use `{version}`.', 'https://v-{version}.example.com').optional(),
    start: commandStep('Deploys a version without giving it traffic: `{version}`.'),
    setWeights: commandStep(`Routes traffic in one change. ${PLACEHOLDERS}`),
    weights: commandStep('Prints the split applied now as JSON, `{"<version>": percent, ...}`; without it the split is not read back.').optional(),
    promote: commandStep('Gives `{version}` all traffic at the end of a release; default: `setWeights`.').optional(),
    rollback: commandStep('Gives the stable `{version}` all traffic back when a release fails; default: `setWeights`.').optional(),
    stop: commandStep('Removes a version that gets no traffic: `{version}`.'),
    ready: readySchema.optional(),
    timeout: durationMs('Default timeout of each command.').prefault(DEFAULT_COMMAND_TIMEOUT),
    shell: z.boolean().default(false).describe('Run the commands through /bin/sh (placeholders are then quoted for it); default: argv without a shell.'),
    cwd: z.string().optional().describe('Working directory of the commands, relative to the plan.'),
    env: envMap('Environment of the commands; give secrets here (`${TOKEN}`), never in a command line, which other users of the machine can read.').default({}),
  })
  .describe('Drive releases with your own commands (Cloud Run, Render, docker, anything with a CLI).');

/** A `target:` of type command as validated. */
export type CommandTargetConfig = z.output<typeof commandTarget>;
/** One command of a command target as validated. */
export type CommandStep = CommandTargetConfig['start'];
