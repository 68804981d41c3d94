/** A small JSON path: `$.status`, `data.items[0].id`, `$["odd key"]` — property and index steps only. */

type Step = string | number;

const STEP = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[(?:"([^"]*)"|'([^']*)')\]|^([A-Za-z_$][\w$-]*)/y;

/** Steps of a path, or undefined when it is not one this dialect understands. */
export function parseJsonPath(path: string): Step[] | undefined {
  let rest = path.trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  const steps: Step[] = [];
  let at = 0;
  while (at < rest.length) {
    STEP.lastIndex = at;
    const match = STEP.exec(rest);
    // A bare name is only allowed first (`data.items`), not glued after an index (`[0]id`).
    if (!match || (match[5] !== undefined && at !== 0)) return undefined;
    const [, dotted, index, doubleQuoted, singleQuoted, bare] = match;
    steps.push(index !== undefined ? Number(index) : (dotted ?? doubleQuoted ?? singleQuoted ?? bare) as string);
    at = STEP.lastIndex;
  }
  return steps;
}

/** The value at a path, with `found: false` when some step does not exist. */
export function readJsonPath(document: unknown, path: string): { found: boolean; value?: unknown } {
  const steps = parseJsonPath(path);
  if (!steps) return { found: false };
  let current: unknown = document;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(current) || step >= current.length) return { found: false };
      current = current[step];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, step)) {
        return { found: false };
      }
      current = (current as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: current };
}
