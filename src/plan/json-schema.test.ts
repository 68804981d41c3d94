import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planJsonSchema, planJsonSchemaText } from './json-schema.js';
import { planReferenceMarkdown } from './reference-docs.js';

const root = new URL('../../', import.meta.url);

describe('generated plan documents', () => {
  it('the committed JSON Schema matches the zod schema (run `npm run docs:plan` after changing it)', () => {
    expect(readFileSync(new URL('schema/glidepath.schema.json', root), 'utf8')).toBe(planJsonSchemaText());
  });

  it('the committed reference docs match the schema descriptions', () => {
    expect(readFileSync(new URL('docs/plan-reference.md', root), 'utf8')).toBe(planReferenceMarkdown());
  });

  it('says "not supported yet" for every key the loader refuses, in the schema and in the docs', () => {
    const schema = planJsonSchema() as { properties: Record<string, { description?: string; oneOf?: { description?: string; properties: { type: { const?: string } } }[] }> };
    for (const key of ['alerts', 'notify', 'jobs', 'bench']) expect(schema.properties[key]?.description ?? '').not.toMatch(/Not supported yet/);
    const targets = schema.properties.target?.oneOf ?? [];
    expect(targets.map((variant) => [variant.properties.type.const, /^Not supported yet: /.test(variant.description ?? '')])).toEqual([
      ['process', false],
      ['nginx', false],
      ['kubernetes', false],
      ['command', false],
    ]);
    const docs = planReferenceMarkdown();
    expect(docs).toMatch(/^\| `schedule` \| string \| {2}\| When the daemon backs up every source/m);
    // monitors run named checks: a check's interval is carried out, an inline verify probe's is refused
    expect(docs.match(/^\| `interval` \| duration \| {2}\| Not supported yet: monitors/gm)).toHaveLength(1);
  });

  it('describes every property so editors can show help', () => {
    const undescribed: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (node === null || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [key, property] of Object.entries(properties ?? {})) {
        const described = property.description ?? (property.anyOf as Record<string, unknown>[] | undefined)?.some((o) => o.description);
        if (!described) undescribed.push(`${path}.${key}`);
        walk(property, `${path}.${key}`);
      }
      for (const key of ['items', 'additionalProperties']) walk(schema[key], `${path}[]`);
      for (const key of ['anyOf', 'oneOf', 'allOf']) (schema[key] as unknown[] | undefined)?.forEach((option) => walk(option, path));
    };
    walk(planJsonSchema(), 'plan');
    expect(undescribed).toEqual([]);
  });

  it('refuses unknown keys in every object, as the loader does', () => {
    const open: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (node === null || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      if (schema.properties && schema.additionalProperties !== false) open.push(path);
      for (const [key, property] of Object.entries((schema.properties as Record<string, unknown> | undefined) ?? {})) walk(property, `${path}.${key}`);
      for (const key of ['items', 'additionalProperties']) walk(schema[key], `${path}[]`);
      for (const key of ['anyOf', 'oneOf', 'allOf']) (schema[key] as unknown[] | undefined)?.forEach((option) => walk(option, path));
    };
    walk(planJsonSchema(), 'plan');
    expect(open).toEqual([]);
  });
});
