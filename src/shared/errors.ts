/** Exit codes of the command line, as DESIGN.md fixes them. */
export const EXIT = {
  ok: 0,
  /** The operation ran and its outcome is bad (a check failed, a release rolled back). */
  bad: 1,
  /** Bad input: a plan, an argument. */
  input: 2,
  /** Could not run: daemon unreachable, lock held, a required program missing. */
  unavailable: 3,
} as const;

/** A process exit code of glidepath (0, 1, 2 or 3). */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Base of every error glidepath throws on purpose; `exitCode` tells the CLI how to end. */
export class GlidepathError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(message: string, options: { code?: string; exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'glidepath_error';
    this.exitCode = options.exitCode ?? EXIT.unavailable;
  }
}

/** One located problem in a plan file. */
export interface PlanIssue {
  file: string;
  line: number;
  column: number;
  /** Key path such as `strategy.canary.steps[2].weight`; empty for the document itself. */
  path: string;
  message: string;
}

/** Formats an issue the way editors and compilers do: `file:line:col path: message`. */
export function formatPlanIssue(issue: PlanIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where} ${issue.message}`;
}

/** A plan that cannot be used; carries every issue found, not only the first. */
export class PlanError extends GlidepathError {
  readonly issues: PlanIssue[];

  constructor(issues: PlanIssue[]) {
    const head = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`plan has ${head}:\n${issues.map((i) => `  ${formatPlanIssue(i)}`).join('\n')}`, {
      code: 'plan_invalid',
      exitCode: EXIT.input,
    });
    this.issues = issues;
  }
}

/** A command-line argument or API request that cannot be used. */
export class UsageError extends GlidepathError {
  constructor(message: string) {
    super(message, { code: 'usage', exitCode: EXIT.input });
  }
}

/** A plugin type (check kind, target type, notifier …) that is not registered. */
export class UnknownPluginError extends GlidepathError {
  constructor(kind: string, type: string, known: readonly string[]) {
    super(`unknown ${kind} "${type}"; known: ${known.join(', ')}`, { code: 'unknown_plugin', exitCode: EXIT.input });
  }
}

/** Something glidepath needs is not there: a program, a daemon, a database. */
export class UnavailableError extends GlidepathError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'unavailable', exitCode: EXIT.unavailable, cause });
  }
}

/** Another release of the same service holds the lock. */
export class LockHeldError extends GlidepathError {
  readonly holder: string;

  /** `message` replaces the default one, to name the runner holding the lease and when it expires. */
  constructor(service: string, holder: string, message?: string) {
    super(message ?? `release ${holder} of ${service} is running; wait for it or abort it`, {
      code: 'lock_held',
      exitCode: EXIT.unavailable,
    });
    this.holder = holder;
  }
}

/** An API answer with an HTTP status; the server maps it to a JSON error body. */
export class ApiError extends GlidepathError {
  readonly status: number;

  constructor(status: number, code: string, message: string) {
    // A conflict (a release already running, nothing to release to) means "could not run", not bad input.
    super(message, { code, exitCode: status >= 500 || status === 409 ? EXIT.unavailable : EXIT.input });
    this.status = status;
  }
}

/** Message of any thrown value, with the chain of causes joined by ": ". */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Error) {
      // Wrappers often repeat their cause's message already; say each thing once.
      const message = current.message;
      if (message && !parts.some((part) => part.includes(message))) parts.push(message);
      current = current.cause;
    } else {
      parts.push(typeof current === 'string' ? current : JSON.stringify(current) ?? 'unknown error');
      break;
    }
  }
  return parts.join(': ') || 'unknown error';
}
