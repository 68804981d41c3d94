/** Compares one HTTP response with what an `http` check expects; returns the mismatches, worded for people. */
import { formatDuration } from '../../shared/duration.js';
import { readJsonPath } from './json-path.js';

/** Scalar a `json` expectation compares against. */
export type JsonScalar = string | number | boolean | null;

/** The expectation part of an `http` check's configuration. */
export interface HttpExpectations {
  status?: number | number[] | undefined;
  bodyContains?: string | undefined;
  json?: Record<string, JsonScalar> | undefined;
  responseHeaders?: Record<string, string | boolean> | undefined;
  maxLatency?: number | undefined;
}

/** What was received, as far as the expectations need it. */
export interface ObservedResponse {
  status: number;
  /** Response headers by name (any case): fetch's `Headers`, or anything with its `get`. */
  headers: Pick<Headers, 'get'>;
  body: string;
  latencyMs: number;
}

/** Human wording of the expected status set: `200`, `200 or 204`, `2xx`. */
export function describeExpectedStatus(status: HttpExpectations['status']): string {
  if (status === undefined) return '2xx';
  return Array.isArray(status) ? status.join(' or ') : String(status);
}

/** Every way the response differs from the expectations, in order: status, latency, headers, body, json. */
export function findMismatches(expected: HttpExpectations, observed: ObservedResponse): string[] {
  const problems: string[] = [];
  const status = expected.status;
  const statusOk =
    status === undefined
      ? observed.status >= 200 && observed.status < 300
      : (Array.isArray(status) ? status : [status]).includes(observed.status);
  if (!statusOk) {
    const location = observed.headers.get('location');
    const hint = location && observed.status >= 300 && observed.status < 400 ? ` (redirect to ${location})` : '';
    problems.push(`expected status ${describeExpectedStatus(status)}, got ${observed.status}${hint}`);
  }
  if (expected.maxLatency !== undefined && observed.latencyMs > expected.maxLatency) {
    problems.push(`took ${formatDuration(observed.latencyMs)}, max ${formatDuration(expected.maxLatency)}`);
  }
  for (const [name, want] of Object.entries(expected.responseHeaders ?? {})) {
    const got = observed.headers.get(name);
    if (want === true && got === null) problems.push(`expected header ${name}, absent`);
    else if (want === false && got !== null) problems.push(`expected no header ${name}, got ${JSON.stringify(got)}`);
    else if (typeof want === 'string' && got !== want) {
      problems.push(`expected header ${name}: ${JSON.stringify(want)}, got ${got === null ? 'none' : JSON.stringify(got)}`);
    }
  }
  if (expected.bodyContains !== undefined && !observed.body.includes(expected.bodyContains)) {
    problems.push(`body does not contain ${JSON.stringify(expected.bodyContains)}`);
  }
  if (expected.json) problems.push(...jsonMismatches(expected.json, observed.body));
  return problems;
}

function jsonMismatches(expected: Record<string, JsonScalar>, body: string): string[] {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return [`body is not JSON: ${JSON.stringify(body.slice(0, 60))}`];
  }
  const problems: string[] = [];
  for (const [path, want] of Object.entries(expected)) {
    const got = readJsonPath(document, path);
    if (!got.found) problems.push(`expected ${path} = ${JSON.stringify(want)}, not found`);
    else if (got.value !== want) problems.push(`expected ${path} = ${JSON.stringify(want)}, got ${preview(got.value)}`);
  }
  return problems;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
