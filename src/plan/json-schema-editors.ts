/**
 * What editors need of the plan's JSON Schema beyond zod's output: `${VAR}` accepted wherever `glidepath validate`
 * accepts it, only standard keywords (Ajv's strict mode compiles it), and examples for the main keys.
 */

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A value holding at least one `${VAR}` or `${VAR:-default}`: the loader fills it in before it validates. */
export const REFERENCE_PATTERN = '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}';

const REFERENCE: JsonObject = {
  type: 'string',
  pattern: REFERENCE_PATTERN,
  description: 'A value from the environment, filled in when the plan is loaded: ${VAR} or ${VAR:-default}.',
};

// zod's string checks that JSON Schema has no format for; their `pattern` says the same in standard words
const NON_STANDARD_FORMATS = new Set(['starts_with', 'ends_with', 'includes']);

// keywords that stay on the outside when a typed schema becomes "that, or a ${VAR}"
const OUTER_KEYWORDS = ['description', 'default', 'examples', 'title', 'deprecated'];

/** Examples of the main keys, shown by editors (yaml-language-server offers them as completions). */
const EXAMPLES: Record<string, unknown[]> = {
  version: [1],
  service: ['shop'],
  daemon: [{ listen: '127.0.0.1:${GLIDEPATH_PORT:-7070}' }],
  target: [{ type: 'process', listen: '127.0.0.1:8080', start: 'node server.js --port {port}', instances: 2, ready: { path: '/health' } }],
  checks: [{ health: { http: { url: '{url}/health', status: 200, maxLatency: '200ms' } }, disk: { disk: { path: '.', maxUsedPercent: 90 } } }],
  preflight: [[{ check: 'disk' }, { run: 'npm test' }, { confirm: 'Release notes published' }]],
  migrations: [{ url: '${DATABASE_URL}', dir: 'migrations' }],
  strategy: [{ canary: { steps: [{ weight: 10 }, { pause: '1m' }, { weight: 50 }, { pause: '1m' }] } }],
  analysis: [{ interval: '10s', metrics: [{ name: 'errors', metric: 'error_rate', max: '1%' }, { name: 'latency', metric: 'p95', max: '300ms' }] }],
  verify: [[{ check: 'health' }, { http: { url: '{service_url}/', status: 200 } }]],
};

/** True for a schema whose values a `${VAR}` can stand for: numbers, booleans, strings with a pattern or format. */
function typed(schema: JsonObject): boolean {
  // a fixed value (`version: 1`, a target's `type`) stays itself: a discriminated union is told apart by it
  if (schema.const !== undefined || schema.enum !== undefined) return false;
  if (schema.type === 'number' || schema.type === 'integer' || schema.type === 'boolean') return true;
  return schema.type === 'string' && (schema.pattern !== undefined || schema.format !== undefined);
}

/** `schema`, or a string with a `${VAR}` in it; descriptions and defaults stay outside, where editors read them. */
function orReference(schema: JsonObject): JsonObject {
  const outer: JsonObject = {};
  const inner: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) (OUTER_KEYWORDS.includes(key) ? outer : inner)[key] = value;
  return { ...outer, anyOf: [inner, REFERENCE] };
}

/** Rewrites one schema node (its children first); returns the node to put in its place. */
function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewrite);
  if (!isObject(node)) return node;
  const schema: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' || key === '$defs') {
      schema[key] = Object.fromEntries(Object.entries(value as JsonObject).map(([name, child]) => [name, rewrite(child)]));
    } else if (['items', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'not', 'prefixItems'].includes(key)) {
      schema[key] = rewrite(value);
    } else schema[key] = value;
  }
  if (typeof schema.format === 'string' && NON_STANDARD_FORMATS.has(schema.format)) delete schema.format;
  // a union of types (`["string", "number"]`) is one branch per type: Ajv's strict mode refuses the short form
  if (Array.isArray(schema.type)) {
    const { type, ...rest } = schema;
    const branches = (type as string[]).map((one) => rewrite({ type: one }));
    return Object.keys(rest).length === 0 ? { anyOf: branches } : { ...rest, anyOf: branches };
  }
  return typed(schema) ? orReference(schema) : schema;
}

/** The plan's schema as editors should see it (see the file header); `schema` is zod's output, left unchanged. */
export function forEditors(schema: JsonObject): JsonObject {
  const rewritten = rewrite(schema) as JsonObject;
  const properties = rewritten.properties as Record<string, JsonObject>;
  for (const [key, examples] of Object.entries(EXAMPLES)) {
    if (isObject(properties[key])) properties[key] = { ...properties[key], examples };
  }
  return rewritten;
}
