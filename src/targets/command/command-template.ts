/** Placeholders of the command target's commands: which values a command gets, and filling them in. */

/** Values a command's placeholders take. */
export type CommandVariables = Readonly<Record<string, string>>;

/** `a=90,b=10`: the versions given traffic, in the order given. */
export function formatWeights(weights: Readonly<Record<string, number>>): string {
  return Object.entries(weights)
    .filter(([, share]) => share > 0)
    .map(([version, share]) => `${version}=${share}`)
    .join(',');
}

/**
 * The placeholders of a split: `{version}`/`{weight}` is the newest version given traffic (the canary), `{stable}`/
 * `{stableWeight}` the other one with the most, `{weights}` all of them and `{weight.<version>}` each.
 */
export function weightVariables(weights: Readonly<Record<string, number>>, newestFirst: readonly string[]): Record<string, string> {
  const given = Object.entries(weights).filter(([, share]) => share > 0);
  const rank = (version: string) => {
    const at = newestFirst.indexOf(version);
    return at === -1 ? Number.MAX_SAFE_INTEGER : at;
  };
  const canary = [...given].sort(([a], [b]) => rank(a) - rank(b))[0];
  const stable = given.filter(([version]) => version !== canary?.[0]).sort(([, a], [, b]) => b - a)[0];
  const variables: Record<string, string> = {
    version: canary?.[0] ?? '',
    weight: String(canary?.[1] ?? 0),
    stable: stable?.[0] ?? '',
    stableWeight: String(stable?.[1] ?? 0),
    weights: formatWeights(weights),
  };
  for (const [version, share] of Object.entries(weights)) variables[`weight.${version}`] = String(share);
  return variables;
}

/** Quotes a value for /bin/sh. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

function fill(template: string, variables: CommandVariables, quote: (value: string) => string): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g, (whole, name: string) => {
    const value = variables[name];
    return value === undefined ? whole : quote(value);
  });
}

/**
 * Fills `{name}` placeholders in a command line; an unknown one is left as written. Each value is quoted, so it
 * stays inside its word whether the line is split into argv or handed to /bin/sh.
 */
export function fillCommand(template: string, variables: CommandVariables): string {
  return fill(template, variables, shellQuote);
}

/** Fills placeholders in a plain string (a URL): values are put in as they are. */
export function fillText(template: string, variables: CommandVariables): string {
  return fill(template, variables, (value) => value);
}
