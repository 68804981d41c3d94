// Writes schema/glidepath.schema.json and docs/plan-reference.md from the plan's zod schema.
import { writeFileSync } from 'node:fs';
import { planJsonSchemaText } from '../src/plan/json-schema.js';
import { planReferenceMarkdown } from '../src/plan/reference-docs.js';

writeFileSync(new URL('../schema/glidepath.schema.json', import.meta.url), planJsonSchemaText());
writeFileSync(new URL('../docs/plan-reference.md', import.meta.url), planReferenceMarkdown());
console.log('wrote schema/glidepath.schema.json and docs/plan-reference.md');
