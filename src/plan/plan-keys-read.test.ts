/**
 * Every key of the plan schema must do something: either code outside src/plan reads it, or the loader refuses
 * it as not supported yet. A key that validates and is then ignored fails this test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planJsonSchema } from './json-schema.js';
import { UNSUPPORTED_KEYS, patternSegments, type UnsupportedKey } from './unsupported-keys.js';

const SRC = fileURLToPath(new URL('..', import.meta.url));

/**
 * Keys read without their name in the code (the whole object is handed on, or iterated), each with the reason.
 * Keep this short: a key listed here is trusted, not checked.
 */
const READ_GENERICALLY: Record<string, string> = {
  version: 'the plan format version; the schema accepts only 1, nothing else needs to read it',
};

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

interface SchemaKey {
  /** Segments as the unsupported list writes them: names, `*`, `[]`. */
  segments: string[];
  /** The `type` of the object variant this key belongs to, when the object is one branch of a union. */
  variant?: { at: string[]; value: unknown };
}

/** Every key path of the plan's JSON Schema, union branches included. */
function schemaKeys(schema: Json): SchemaKey[] {
  const out: SchemaKey[] = [];
  const walk = (node: Json, segments: string[], variant: SchemaKey['variant']) => {
    const type = isObject(node.properties) && isObject(node.properties.type) ? node.properties.type.const : undefined;
    const here = type === undefined ? variant : { at: segments, value: type };
    for (const [key, child] of Object.entries(isObject(node.properties) ? node.properties : {})) {
      out.push({ segments: [...segments, key], variant: here });
      if (isObject(child)) walk(child, [...segments, key], here);
    }
    if (isObject(node.items)) walk(node.items, [...segments, '[]'], here);
    if (isObject(node.additionalProperties)) walk(node.additionalProperties, [...segments, '*'], here);
    for (const key of ['anyOf', 'oneOf', 'allOf']) {
      if (Array.isArray(node[key])) for (const option of node[key] as unknown[]) if (isObject(option)) walk(option, segments, variant);
    }
  };
  walk(schema, [], undefined);
  return out;
}

const startsWith = (segments: readonly string[], prefix: readonly string[]) => prefix.every((segment, i) => segments[i] === segment);

function isUnsupported(key: SchemaKey, list: readonly UnsupportedKey[]): boolean {
  return list.some((entry) => {
    const pattern = patternSegments(entry.path);
    if (entry.value === undefined) return startsWith(key.segments, pattern);
    const at = pattern.slice(0, -1);
    return key.variant !== undefined && key.variant.value === entry.value && startsWith(key.variant.at, at) && key.variant.at.length === at.length;
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['plan', 'testing'].includes(relative(SRC, path)) ? [] : sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.(test|contract)\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** The code that runs plans: everything under src/ but the plan loader itself, tests and test helpers. */
const CODE = sourceFiles(SRC).map((file) => readFileSync(file, 'utf8')).join('\n');

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Names several keys share, where code reading one says nothing of another: the reader of each path that has
 * one. A path of such a name missing here counts as not read.
 */
const READERS_BY_PATH: Record<string, Record<string, RegExp>> = {
  interval: {
    'target.ready.interval': /\bready\.interval\b/,
    'analysis.interval': /\banalysis\?\.interval\b|\bconfig\.interval\b/,
    'checks.*.interval': /\bentry\.interval\b/,
    'alerts[].interval': /\brule\.interval\b/,
  },
  retryInterval: {
    'checks.*.retryInterval': /\bentry\.retryInterval\b/,
  },
  schedule: {
    'jobs[].schedule': /\bjob\.schedule\b/,
    'backup.schedule': /\bbackup\.schedule\b/,
    'backup.sources[].schedule': /\bsource\.schedule\b/,
    'backup.verify.schedule': /\bverify\?\.schedule\b/,
  },
};

/**
 * Whether code reads the key: `.key` or `'key'` anywhere; for a key of one variant of a union (a target type),
 * the code must also handle that variant (`case 'process':`).
 */
function isReadByCode(key: SchemaKey): boolean {
  const name = key.segments[key.segments.length - 1] as string;
  if (key.variant && !new RegExp(`case ['"]${escape(String(key.variant.value))}['"]:`).test(CODE)) return false;
  const readers = READERS_BY_PATH[name];
  if (readers) return readers[key.segments.join('.').replace(/\.\[\]/g, '[]')]?.test(CODE) ?? false;
  return new RegExp(`\\.${escape(name)}\\b|['"]${escape(name)}['"]`).test(CODE);
}

/** Keys of the plan schema that nothing reads and nothing refuses, as dotted paths. */
function ignoredKeys(list: readonly UnsupportedKey[]): string[] {
  const ignored = schemaKeys(planJsonSchema())
    .filter((key) => !isUnsupported(key, list))
    .filter((key) => READ_GENERICALLY[key.segments[key.segments.length - 1] as string] === undefined && !isReadByCode(key))
    .map((key) => key.segments.join('.').replace(/\.\[\]/g, '[]') + (key.variant ? ` (type: ${String(key.variant.value)})` : ''));
  return [...new Set(ignored)];
}

describe('plan keys that do something', () => {
  it('walks a schema with keys at every depth', () => {
    const paths = schemaKeys(planJsonSchema()).map((key) => key.segments.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['service', 'target.ready.path', 'checks.*.http.url', 'strategy.canary.steps.[].weight', 'alerts.[].when.metric']));
    expect(paths.length).toBeGreaterThan(150);
  });

  it('every key is read by code outside src/plan or refused as not supported yet', () => {
    expect(ignoredKeys(UNSUPPORTED_KEYS)).toEqual([]);
  });

  it.each(UNSUPPORTED_KEYS.map((entry) => [`${entry.path}${entry.value ? ` = ${entry.value}` : ''}`, entry] as const))(
    'would catch %s if it were dropped from the unsupported list',
    (_name, entry) => {
      expect(ignoredKeys(UNSUPPORTED_KEYS.filter((other) => other !== entry)).length).toBeGreaterThan(0);
    },
  );

  it('the allow-list names only keys that exist', () => {
    const names = new Set(schemaKeys(planJsonSchema()).map((key) => key.segments[key.segments.length - 1]));
    for (const key of Object.keys(READ_GENERICALLY)) expect(names.has(key), key).toBe(true);
  });
});
