/** The plan's JSON Schema, generated from the same zod schema that validates plans. */
import { z } from 'zod';
import { forEditors } from './json-schema-editors.js';
import { planSchema } from './plan-schema.js';
import { UNSUPPORTED_KEYS, patternSegments, type UnsupportedKey } from './unsupported-keys.js';

export const PLAN_SCHEMA_ID = 'https://glidepath.dev/schema/glidepath.schema.json';

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The schemas a value at this level may match: itself and the branches of its unions. */
function alternatives(schema: JsonObject): JsonObject[] {
  const branches = ['anyOf', 'oneOf', 'allOf'].flatMap((key) => (Array.isArray(schema[key]) ? (schema[key] as unknown[]).filter(isObject) : []));
  return [schema, ...branches.flatMap(alternatives)];
}

/** The schemas at one step down: a named property, any map value (`*`) or any list item (`[]`). */
function childSchemas(schema: JsonObject, segment: string): JsonObject[] {
  return alternatives(schema).flatMap((option) => {
    const next = segment === '[]' ? option.items : segment === '*' ? option.additionalProperties : isObject(option.properties) ? option.properties[segment] : undefined;
    return isObject(next) ? [next] : [];
  });
}

const notYet = (reason: string, description: unknown) => `Not supported yet: ${reason}. ${typeof description === 'string' ? description : ''}`.trimEnd();

/** Says "not supported yet" in the description of every key (or target type) the loader refuses. */
function markUnsupported(schema: JsonObject, keys: readonly UnsupportedKey[]): void {
  for (const entry of keys) {
    const segments = patternSegments(entry.path);
    const name = segments.pop() as string;
    let parents = [schema];
    for (const segment of segments) parents = parents.flatMap((parent) => childSchemas(parent, segment));
    for (const parent of parents.flatMap(alternatives)) {
      const property = isObject(parent.properties) ? parent.properties[name] : undefined;
      if (!isObject(property)) continue;
      if (entry.value === undefined) property.description = notYet(entry.reason, property.description);
      else if (property.const === entry.value) {
        property.description = notYet(entry.reason, property.description);
        parent.description = notYet(entry.reason, parent.description);
      }
    }
  }
}

/** JSON Schema (draft 2020-12) of what a plan file may contain, for editors and other tools. */
export function planJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(planSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  markUnsupported(generated, UNSUPPORTED_KEYS);
  return { $schema: generated.$schema, $id: PLAN_SCHEMA_ID, title: 'glidepath plan', ...forEditors(generated) };
}

/** The schema as committed in `schema/glidepath.schema.json`. */
export function planJsonSchemaText(): string {
  return `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
}
