/**
 * Holds real answers of the API to its own OpenAPI document: each answer's status must be documented for its
 * operation, and its body must validate (Ajv, JSON Schema 2020-12) against the documented schema of its media type.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';

type Json = Record<string, unknown>;

/** A documented operation, found by method and a concrete path. */
interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
}

/** Checks answers against an OpenAPI document and counts which operations were seen. */
export class OpenApiConformance {
  readonly #operations: Operation[] = [];
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly #seen = new Set<string>();
  readonly #compiled = new Map<Json, ReturnType<Ajv2020['compile']>>();
  readonly #components: Record<string, Json>;

  constructor(document: Json) {
    this.#components = ((document.components as Json | undefined)?.schemas as Record<string, Json> | undefined) ?? {};
    for (const [template, methods] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      for (const [method, operation] of Object.entries(methods)) {
        this.#operations.push({ method: method.toUpperCase(), template, pattern, responses: operation.responses as Operation['responses'] });
      }
    }
  }

  /** Every documented operation as `METHOD /template`. */
  get operations(): string[] {
    return this.#operations.map((o) => `${o.method} ${o.template}`);
  }

  /** Operations an answer was checked for. */
  get seen(): string[] {
    return [...this.#seen];
  }

  // The document's schemas with each `#/components/schemas/X` replaced by that schema (no schema of ours recurses).
  #resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.#resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const ref = (value as Json).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
      const target = this.#components[ref.slice('#/components/schemas/'.length)];
      if (!target) throw new Error(`the document refers to ${ref}, which it does not define`);
      const { $id: _id, ...rest } = target;
      return this.#resolve(rest);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.#resolve(v)]));
  }

  /** The problems of one answer, empty when the document describes it truly. */
  check(method: string, url: string, status: number, contentType: string | undefined, body: string): string[] {
    const path = url.split('?')[0] ?? url;
    // The document and its viewer are served beside the API, not part of it.
    if (path === '/docs' || path.startsWith('/docs/')) return [];
    const operation = this.#operations.find((o) => o.method === method && o.pattern.test(path));
    if (!operation) return status === 404 || status === 401 ? [] : [`${method} ${path} is not documented`];
    this.#seen.add(`${operation.method} ${operation.template}`);
    const response = operation.responses[String(status)];
    if (!response) return [`${method} ${path} answered ${status}, which is not documented (${Object.keys(operation.responses).join(', ')})`];
    const mediaType = (contentType ?? '').split(';')[0]?.trim() ?? '';
    const media = response.content?.[mediaType];
    if (!media) return [`${method} ${path} ${status} answered ${mediaType || 'no content type'}, documented: ${Object.keys(response.content ?? {}).join(', ')}`];
    if (mediaType !== 'application/json') return [];
    let validate = this.#compiled.get(media.schema);
    if (!validate) {
      validate = this.#ajv.compile(this.#resolve(media.schema) as Json);
      this.#compiled.set(media.schema, validate);
    }
    if (validate(JSON.parse(body))) return [];
    return [`${method} ${path} ${status}: ${this.#ajv.errorsText(validate.errors)} in ${body.slice(0, 500)}`];
  }
}
