import { readFileSync, readdirSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { demoPlan } from '../demo/demo-project.js';
import { planJsonSchema } from './json-schema.js';

const root = new URL('../../', import.meta.url);
// strict mode: unknown keywords and formats, union types and ignored keywords are errors, not warnings
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(new URL('schema/glidepath.schema.json', root), 'utf8')) as object);
const errorsOf = (plan: unknown) => (validate(plan) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));

describe('the JSON Schema editors use', () => {
  it('compiles in Ajv strict mode and validates every plan under examples/ and the demo plan', () => {
    const examples = readdirSync(new URL('examples/', root)).map((dir) => `examples/${dir}/glidepath.yaml`);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const file of examples) expect([file, errorsOf(parse(readFileSync(new URL(file, root), 'utf8')))]).toEqual([file, []]);
    expect(errorsOf(parse(demoPlan({ daemon: 7070, proxy: 8080 })))).toEqual([]);
  });

  it('accepts ${VAR} in typed fields (ports, counts, addresses, durations, booleans), as glidepath validate does', () => {
    const plan = parse(`version: 1
service: shop
daemon: { listen: "127.0.0.1:\${GLIDEPATH_PORT:-7070}" }
target: { type: process, listen: "\${HOST}:\${PORT}", start: "node s.js", instances: "\${INSTANCES:-2}", drain: "\${DRAIN}", shell: "\${SHELL_ON}" }
checks:
  port: { tcp: { port: "\${DB_PORT}" } }
`);
    expect(errorsOf(plan)).toEqual([]);
  });

  it('still refuses what the loader refuses: an out-of-range port, a word for a count, an unknown key', () => {
    const plan = (check: string, instances: string) =>
      parse(`version: 1\nservice: shop\ntarget: { type: process, listen: "127.0.0.1:8080", start: s, instances: ${instances} }\nchecks: { port: { tcp: ${check} } }\n`);
    expect(errorsOf(plan('{ port: 70000 }', '2'))).not.toEqual([]);
    expect(errorsOf(plan('{ port: 80 }', 'two'))).not.toEqual([]);
    expect(errorsOf(plan('{ port: 80, prot: 1 }', '2'))).not.toEqual([]);
    expect(errorsOf(plan('{ port: 80 }', '2'))).toEqual([]);
  });

  it('has no zod-only artefacts (format "starts_with") and examples for the main keys', () => {
    const text = JSON.stringify(planJsonSchema());
    expect(text).not.toMatch(/"format":"(starts_with|ends_with|includes)"/);
    const properties = (planJsonSchema() as { properties: Record<string, { examples?: unknown[] }> }).properties;
    for (const key of ['service', 'target', 'checks', 'preflight', 'strategy', 'analysis', 'verify']) expect([key, properties[key]?.examples?.length]).toEqual([key, 1]);
    // every example is itself valid where it stands
    for (const [key, property] of Object.entries(properties)) {
      for (const example of property.examples ?? []) expect([key, errorsOf({ version: 1, service: 'shop', [key]: example })]).toEqual([key, []]);
    }
  });
});
