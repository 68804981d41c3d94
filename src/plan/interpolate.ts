/** `${VAR}` and `${VAR:-default}` in plan values, read from the environment; `$${` keeps a literal `${`. */
import { parse as parseYamlScalar, visit, type Document, type Scalar } from 'yaml';
import { pathFromAncestors, type KeyPath } from './yaml-path.js';

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** A `${VAR}` that could not be filled in, with where it stands. */
export interface InterpolationProblem {
  node: Scalar;
  path: KeyPath;
  variable: string;
}

/** A text with its `${VAR}`s filled in, and the problems found. */
export interface InterpolationResult {
  problems: InterpolationProblem[];
  /** Scalars whose value came (partly) from the environment: their values are never shown in errors. */
  fromEnvironment: Map<Scalar, string[]>;
  /** The values read from the environment, so that no error can show them whatever its wording. */
  secrets: Set<string>;
}

/** Replaces references in every scalar value of the document, in place, keeping node positions. */
export function interpolateDocument(doc: Document, env: Readonly<Record<string, string | undefined>>): InterpolationResult {
  const problems: InterpolationProblem[] = [];
  const fromEnvironment = new Map<Scalar, string[]>();
  const secrets = new Set<string>();
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const original = node.value;
      const used: string[] = [];
      let wholeValue = false;
      const replaced = original.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined, offset: number) => {
        if (name === undefined) return '${';
        used.push(name);
        wholeValue = offset === 0 && match.length === original.length;
        const value = env[name];
        if (value !== undefined && value !== '') {
          secrets.add(value);
          return value;
        }
        if (fallback !== undefined) return fallback;
        if (value === undefined) problems.push({ node, path: pathFromAncestors(ancestors, node), variable: name });
        return '';
      });
      if (used.length > 0) fromEnvironment.set(node, used);
      // An unquoted `${PORT:-8080}` standing alone reads as YAML would read the text itself (a number here).
      node.value = wholeValue && node.type === 'PLAIN' ? readPlainScalar(replaced) : replaced;
    },
  });
  return { problems, fromEnvironment, secrets };
}

function readPlainScalar(text: string): unknown {
  try {
    const value: unknown = parseYamlScalar(text);
    return value !== null && typeof value !== 'object' ? value : text;
  } catch {
    return text;
  }
}

