/** A JSON object as repositories hand it out; values are whatever JSON.parse gives. */
export type JsonObject = { [key: string]: unknown };

/** Serialises a JSON column value; `undefined` becomes an empty object. */
export function toJsonText(value: JsonObject | undefined): string {
  return JSON.stringify(value ?? {});
}

/** Parses a JSON column; a row written by hand with bad JSON keeps its text under `_raw` rather than failing a list. */
export function fromJsonText(text: string | null): JsonObject {
  if (text === null || text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : { value };
  } catch {
    return { _raw: text };
  }
}
