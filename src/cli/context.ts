/** What every command gets: parsed global options, output, the plan, and the store. */
import { relative } from 'node:path';
import { loadPlan, type LoadedPlan } from '../plan/load.js';
import type { ExitCode } from '../shared/errors.js';
import { openStore, type Store } from '../store/store.js';
import type { Output, Streams } from './output.js';

/** The options every command takes. */
export interface GlobalOptions {
  file: string;
  json: boolean;
  verbose: boolean;
}

/** What every command gets: options, output, streams, and lazily the plan and the store. */
export interface CliContext {
  readonly out: Output;
  readonly streams: Streams & { stdin: NodeJS.ReadableStream & { isTTY?: boolean } };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborts when the reader of stdout or stderr has gone away (`glidepath status --watch | head -3`). */
  readonly outputClosed: AbortSignal;
  options(): GlobalOptions;
  /** Loads and validates the plan named by -f (once per command). */
  loadPlan(): LoadedPlan;
  /** Opens the plan's store (closed by the CLI after the command). */
  openStore(loaded: LoadedPlan): Promise<Store>;
  setExit(code: ExitCode): void;
  /** Writes raw text to stdout. */
  write(text: string): void;
  displayPath(path: string): string;
}

/** The store URL in force: GLIDEPATH_DATABASE_URL wins over the plan's `store`. */
export function storeUrlFor(loaded: LoadedPlan, env: Readonly<Record<string, string | undefined>>): string {
  return env.GLIDEPATH_DATABASE_URL || loaded.plan.store;
}

/** Builds the context commands share; the plan and the store are opened once, on first use. */
export function createContext(args: {
  streams: CliContext['streams'];
  env: CliContext['env'];
  cwd: string;
  outputClosed: AbortSignal;
  out: () => Output;
  options: () => GlobalOptions;
  setExit: (code: ExitCode) => void;
  onClose: (close: () => Promise<void>) => void;
}): CliContext {
  let loaded: LoadedPlan | undefined;
  return {
    get out() {
      return args.out();
    },
    streams: args.streams,
    env: args.env,
    cwd: args.cwd,
    outputClosed: args.outputClosed,
    options: args.options,
    loadPlan() {
      loaded ??= loadPlan(args.options().file, args.env, args.cwd);
      return loaded;
    },
    async openStore(plan) {
      const store = await openStore(storeUrlFor(plan, args.env), { baseDir: plan.dir });
      args.onClose(() => store.close());
      return store;
    },
    setExit: args.setExit,
    write: (text) => args.streams.stdout.write(text),
    displayPath: (path) => relative(args.cwd, path) || path,
  };
}
