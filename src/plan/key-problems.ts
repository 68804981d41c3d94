/**
 * Keys a plan cannot have, found in one pass: a key repeated in its mapping, and a key that is a mapping or a
 * list. The `yaml` library's own `uniqueKeys` check compares each new key with every earlier one of its
 * mapping (a mapping of 32k keys takes many seconds), and a collection key would be turned into text by
 * `toJS`, values from the environment included, and shown in errors.
 */
import { isMap, isScalar, visit, type Document, type Node } from 'yaml';
import { pathFromAncestors, type KeyPath } from './yaml-path.js';

/** A key the plan refuses, where it stands, and why. */
export interface KeyProblem {
  key: Node;
  /** The path of the mapping, then the key when it is a scalar. */
  path: KeyPath;
  message: string;
}

/** Every repeated or non-scalar key of every mapping in the document, in document order. */
export function keyProblems(doc: Document): KeyProblem[] {
  const problems: KeyProblem[] = [];
  visit(doc, {
    Map(_key, map, ancestors) {
      if (!isMap(map)) return;
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key as Node | null;
        if (key === null || key === undefined) continue;
        if (!isScalar(key)) {
          problems.push({ key, path: pathFromAncestors(ancestors, map), message: 'a key must be a plain name, not a mapping, a list or an alias' });
          continue;
        }
        // As `yaml` compares scalar keys: by value, so 1 and "1" differ.
        if (!seen.has(key.value)) seen.add(key.value);
        else problems.push({ key, path: [...pathFromAncestors(ancestors, map), String(key.value)], message: 'YAML: Map keys must be unique' });
      }
    },
  });
  return problems;
}
