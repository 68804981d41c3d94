/** The command line: global options, the verbs, and the one place errors become exit codes. */
import { Command, CommanderError } from 'commander';
import { EXIT, GlidepathError, PlanError, describeError, type ExitCode } from '../shared/errors.js';
import { glidepathVersion } from '../shared/version.js';
import { guardClosedPipes } from './closed-pipe.js';
import { registerCheck } from './check.js';
import { createContext, type CliContext, type GlobalOptions } from './context.js';
import { createOutput, type Output } from './output.js';
import { registerPreflight } from './preflight.js';
import { registerSchema } from './schema.js';
import { registerBackup } from './backup.js';
import { registerBench } from './bench.js';
import { registerDemo } from './demo.js';
import { registerDeploy } from './deploy.js';
import { registerHistory } from './history.js';
import { registerLogs } from './logs.js';
import { registerSteering } from './steer.js';
import { registerMigrate } from './migrate.js';
import { registerStatus } from './status.js';
import { registerDown } from './down.js';
import { registerUp } from './up.js';
import { registerValidate } from './validate.js';
import { registerWait } from './wait.js';
import { registerRetry } from './retry.js';
import { registerLock } from './lock.js';
import { registerExport } from './export.js';
import { registerJobs } from './jobs.js';
import { registerMonitors } from './monitors.js';
import { registerAlerts } from './alerts.js';
import { registerNotify } from './notify.js';
import { registerDashboard } from './dashboard.js';

/** What `main` reads from the outside world: streams, environment and working directory. */
export interface MainDeps {
  streams: CliContext['streams'];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Aborts when stdout's or stderr's reader has gone away; commands that run until stopped end then. */
  outputClosed?: AbortSignal;
}

const defaultDeps = (): MainDeps => {
  const outputClosed = guardClosedPipes(process.stdout, process.stderr);
  return { streams: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }, env: process.env, cwd: process.cwd(), outputClosed };
};

/** Runs one command line and resolves to its exit code. */
export async function main(argv: readonly string[], deps: MainDeps = defaultDeps()): Promise<ExitCode> {
  let exit: ExitCode = EXIT.ok;
  const closers: (() => Promise<void>)[] = [];
  const program = new Command('glidepath');
  const options = (): GlobalOptions => {
    const raw = program.opts<{ file: string; json: boolean; verbose: boolean }>();
    return { file: raw.file, json: raw.json, verbose: raw.verbose };
  };
  let out: Output = createOutput(argv.includes('--json'), deps.streams);
  const ctx = createContext({
    streams: deps.streams,
    env: deps.env,
    cwd: deps.cwd,
    outputClosed: deps.outputClosed ?? new AbortController().signal,
    out: () => out,
    options,
    setExit: (code) => {
      exit = code;
    },
    onClose: (close) => closers.push(close),
  });

  program
    .description('Turns a deployment runbook into something that runs.')
    .version(glidepathVersion(), '-V, --version', 'print glidepath\'s version')
    .option('-f, --file <file>', 'plan file', 'glidepath.yaml')
    .option('--json', 'print one JSON document on stdout', false)
    .option('--verbose', 'show stack traces of errors', false)
    .showHelpAfterError('(run glidepath --help for usage)')
    .exitOverride()
    // Subcommands inherit this when they are created: each one's help lists -f, --json and --verbose too.
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => deps.streams.stdout.write(text),
      writeErr: (text) => deps.streams.stderr.write(text),
    })
    .hook('preAction', () => {
      out = createOutput(options().json, deps.streams);
    });

  registerValidate(program, ctx);
  registerSchema(program, ctx);
  registerCheck(program, ctx);
  registerPreflight(program, ctx);
  registerUp(program, ctx);
  registerDown(program, ctx);
  registerStatus(program, ctx);
  registerDeploy(program, ctx);
  registerWait(program, ctx);
  registerRetry(program, ctx);
  registerDemo(program, ctx);
  registerSteering(program, ctx);
  registerHistory(program, ctx);
  registerLogs(program, ctx);
  registerMigrate(program, ctx);
  registerBackup(program, ctx);
  registerBench(program, ctx);
  registerLock(program, ctx);
  registerExport(program, ctx);
  registerJobs(program, ctx);
  registerMonitors(program, ctx);
  registerAlerts(program, ctx);
  registerNotify(program, ctx);
  registerDashboard(program, ctx);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (text) => deps.streams.stdout.write(text),
      writeErr: (text) => deps.streams.stderr.write(text),
    });
  }

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.input;
    }
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    exit = reportError(error, out, deps, argv.includes('--verbose'));
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
  return exit;
}

function reportError(error: unknown, out: Output, deps: MainDeps, verbose: boolean): ExitCode {
  if (error instanceof CommanderError) {
    // --help and --version end here with code 0; anything else is a usage error.
    if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.help') return EXIT.ok;
    if (out.json) out.result({ error: { code: 'usage', message: error.message.replace(/^error: /, '') } }, () => '');
    return EXIT.input;
  }
  const code = error instanceof GlidepathError ? error.exitCode : EXIT.unavailable;
  const message = describeError(error);
  if (out.json) {
    const body: Record<string, unknown> = { code: error instanceof GlidepathError ? error.code : 'internal', message };
    if (error instanceof PlanError) body.issues = error.issues;
    out.result({ error: body }, () => '');
  }
  deps.streams.stderr.write(`error: ${message}\n`);
  if (verbose && error instanceof Error && error.stack) deps.streams.stderr.write(`${error.stack}\n`);
  return code;
}
