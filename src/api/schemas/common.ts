/** Small JSON schemas the route schemas are made of. */

/** A string or null. */
export const nullableString = { type: ['string', 'null'] } as const;
/** A number or null. */
export const nullableNumber = { type: ['number', 'null'] } as const;
/** An ISO 8601 time. */
export const time = { type: 'string', description: 'ISO 8601 time' } as const;
/** An ISO 8601 time or null. */
export const nullableTime = { type: ['string', 'null'], description: 'ISO 8601 time, or null' } as const;
/** Any JSON object. */
export const anyObject = { type: 'object', additionalProperties: true } as const;
/** A map of strings. */
export const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
/** Who asked for a change, as recorded in the release's events and the launch record. */
export const by = { type: 'string', minLength: 1, maxLength: 200, description: 'who did it, recorded with the action' } as const;
/** A version name. */
export const versionName = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]*$' } as const;
/** A body with only an optional `by`. */
export const byBody = { type: 'object', additionalProperties: false, properties: { by } } as const;

/** An object schema whose every listed property is required and no other is allowed. */
export function exact<P extends Record<string, unknown>>(properties: P, description?: string) {
  return { type: 'object', additionalProperties: false, required: Object.keys(properties), properties, ...(description ? { description } : {}) } as const;
}
