/** What one instance is started with: the version's command, cwd and env with `{port}` and `{version}` filled in. */
import { commandArgv } from '../exec/argv.js';
import type { VersionSpec } from './types.js';

/** Versions name directories and files, so they stay plain: letters, digits, `.`, `_`, `+`, `-`. */
const VERSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

/** Whether `version` is a version name: 1-128 letters, digits, `.`, `_`, `+`, `-`, starting with a letter or digit. */
export function isVersionName(version: string): boolean {
  return VERSION_NAME.test(version);
}

/** Throws when a version name could not safely name a log directory. */
export function assertVersionName(version: string): void {
  if (!isVersionName(version)) {
    throw new Error(`version ${JSON.stringify(version)} must be 1-128 letters, digits, '.', '_', '+' or '-', starting with a letter or digit`);
  }
}

/** Replaces `{port}` and `{version}`; other braces are left alone. */
export function fillPlaceholders(text: string, values: { port: number; version: string }): string {
  return text.replaceAll('{port}', String(values.port)).replaceAll('{version}', values.version);
}

/** argv, cwd and environment of instance launch on `port`; throws on an unsplittable command. */
export function launchSpec(spec: VersionSpec, port: number): { argv: string[]; cwd: string; env: NodeJS.ProcessEnv } {
  const values = { port, version: spec.version };
  // Split first, fill after: a value with spaces or quotes never changes how the command splits.
  const argv = spec.shell ? commandArgv(fillPlaceholders(spec.command, values), true) : commandArgv(spec.command).map((arg) => fillPlaceholders(arg, values));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
  for (const [name, value] of Object.entries(spec.env)) env[name] = fillPlaceholders(value, values);
  return { argv, cwd: fillPlaceholders(spec.cwd, values), env };
}
