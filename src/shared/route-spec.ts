/**
 * One description per route: its role, request and response schemas and error answers, from which both the auth
 * hook (`config.access`) and the OpenAPI document (security, `x-glidepath-role`, responses) are made.
 */
import type { FastifySchema, RouteShorthandOptions } from 'fastify';

/** The least token role a route needs; `public` needs none, `metrics` takes the metrics token too. */
export type Access = 'public' | 'metrics' | 'read' | 'admin';

/** `$id` of the shared error body schema, registered once with `app.addSchema`. */
export const ERROR_BODY_ID = 'ErrorBody';

/** The body of every error answer, exactly as the server's error handler, auth hook and 404 handler send it. */
export const errorBodySchema = {
  $id: ERROR_BODY_ID,
  type: 'object',
  description: 'What went wrong, in words a person can act on.',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', description: 'A stable machine-readable code, e.g. bad_request, unauthorized, forbidden, not_found, no_target, locked, internal.' },
        message: { type: 'string', description: 'One sentence naming what is wrong and where.' },
        details: { description: 'For a schema failure the validation errors; for a bad plan its issues.' },
      },
    },
  },
} as const;

const ERROR_MEANING: Record<number, string> = {
  400: 'Bad input (a wrong type, an unknown key, a value out of range) or a request that cannot apply now; nothing changed.',
  401: 'No valid bearer token.',
  403: "The token's role may not do this (the read-only token may only look; the metrics token may only scrape).",
  404: 'No such thing.',
  409: 'Conflicts with the state of the daemon (no target, a maintenance lock, a disabled job, another release).',
  413: 'The body is over the 1 MiB limit.',
  415: 'The body is not JSON.',
  500: "The daemon's fault; its log names the cause.",
  503: 'A part the answer needs is not running or not reachable.',
};

/** A JSON schema as the routes write them (plain objects, `as const`). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** What a route says about itself. */
export interface RouteSpec {
  operationId: string;
  access: Access;
  summary: string;
  description?: string;
  tags: readonly string[];
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: JsonSchema;
  headers?: JsonSchema;
  /** Its success answers by status: a JSON schema, or `{ contentType, schema }` for another media type. */
  ok: Readonly<Record<number, { description: string; schema: JsonSchema; contentType?: string }>>;
  /** Error statuses besides those every route of its kind can answer (400 for input, 401/403 for tokens, 500). */
  errors?: readonly number[];
}

/** The security requirement of a role: none for public routes, the bearer scheme (with the role as scope) else. */
export function securityOf(access: Access): Record<string, string[]>[] {
  return access === 'public' ? [] : [{ bearer: [access] }];
}

/** Every error status a route can answer: its own, input errors when it takes input, token errors when not public, 500. */
export function errorStatuses(spec: Pick<RouteSpec, 'access' | 'params' | 'querystring' | 'body' | 'errors'>): number[] {
  const statuses = new Set(spec.errors ?? []);
  if (spec.params || spec.querystring || spec.body) statuses.add(400);
  if (spec.body) [413, 415].forEach((s) => statuses.add(s));
  if (spec.access !== 'public') statuses.add(401);
  if (spec.access === 'read' || spec.access === 'admin') statuses.add(403);
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

/** The Fastify route options of a spec: `config.access` for the auth hook, the schema for validation and OpenAPI. */
export function routeOptions(spec: RouteSpec): RouteShorthandOptions {
  const response: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(spec.ok)) {
    response[status] = answer.contentType
      ? { description: answer.description, content: { [answer.contentType]: { schema: answer.schema } } }
      : { description: answer.description, ...answer.schema };
  }
  for (const status of errorStatuses(spec)) {
    response[String(status)] = { description: ERROR_MEANING[status] ?? 'An error.', $ref: `${ERROR_BODY_ID}#` };
  }
  const needs = spec.access === 'read' ? 'the read token (or the admin token)' : spec.access === 'metrics' ? 'the metrics token (or the read or admin token)' : `the ${spec.access} token`;
  const role = spec.access === 'public' ? 'Needs no token.' : `Needs ${needs}.`;
  return {
    config: { access: spec.access },
    // `x-glidepath-role` is an OpenAPI extension @fastify/swagger copies as it is; Fastify's type does not know it.
    schema: {
      operationId: spec.operationId,
      summary: spec.summary,
      description: spec.description ? `${spec.description}\n\n${role}` : role,
      tags: [...spec.tags],
      security: securityOf(spec.access),
      'x-glidepath-role': spec.access,
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.querystring ? { querystring: spec.querystring } : {}),
      ...(spec.body ? { body: spec.body } : {}),
      ...(spec.headers ? { headers: spec.headers } : {}),
      response,
    } as FastifySchema,
  };
}
