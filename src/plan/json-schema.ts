/** The plan's JSON Schema, generated from the same zod schema that validates plans. */
import { z } from 'zod';
import { planSchema } from './plan-schema.js';

export const PLAN_SCHEMA_ID = 'https://glidepath.dev/schema/glidepath.schema.json';

/** JSON Schema (draft 2020-12) of what a plan file may contain, for editors and other tools. */
export function planJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(planSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { $schema: generated.$schema, $id: PLAN_SCHEMA_ID, title: 'glidepath plan', ...generated };
}

/** The schema as committed in `schema/glidepath.schema.json`. */
export function planJsonSchemaText(): string {
  return `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
}
