/** `http` check: one request, judged on status, latency, headers and body. */
import { z } from 'zod';
import { durationMs } from '../../shared/units-schema.js';
import { HEADER_NAME, httpHeaders, httpUrl } from '../../shared/value-schemas.js';
import { loadCa } from '../ca-file.js';
import type { Check, CheckDeps } from '../check.js';
import { fillConfigPlaceholders } from '../placeholders.js';
import { elapsedSince, probe, type ProbeOutcome } from '../probe.js';
import { redactSecrets } from '../redact.js';
import { findMismatches } from './expectations.js';
import { sendCheckRequest, type CheckResponse } from './http-request.js';
import { parseJsonPath } from './json-path.js';

/** Methods an `http` check may use. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/** Response bodies are read up to this many bytes; `bodyContains` and `json` see only that much. */
export const MAX_BODY_BYTES = 1024 * 1024;

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key)$|token|secret|password/i;

const SECRET_QUERY = /token|secret|password|key|signature|auth/i;

const jsonScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Configuration of an `http` check. */
export const httpCheckSchema = z
  .strictObject({
    url: httpUrl('Address to request, e.g. "{url}/health"; placeholders are filled in at run time.', '{url}/health'),
    method: z.enum(HTTP_METHODS).default('GET').describe('HTTP method. Default: GET.'),
    headers: httpHeaders('Request headers to send, e.g. { Authorization: "Bearer ${TOKEN}" }. Their values never appear in results.').optional(),
    body: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .optional()
      .describe('Request body: a string sent as is, or an object sent as JSON (with content-type application/json).'),
    followRedirects: z
      .boolean()
      .default(false)
      .describe('Follow redirects and judge the final response. Default: false (a 3xx response is judged itself).'),
    status: z
      .union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])
      .optional()
      .describe('Expected status code, or a list of acceptable ones (e.g. 401 for "requires auth"). Default: any 2xx.'),
    bodyContains: z.string().optional().describe('Text the response body must contain.'),
    json: z
      .record(
        z.string().refine((path) => parseJsonPath(path) !== undefined, {
          message: 'expected a JSON path like $.status or data.items[0].id',
        }),
        jsonScalar,
      )
      .optional()
      .describe('Values the JSON body must hold, by path: { "$.status": "ok", "data.items[0].id": 7 }. Compared exactly.'),
    responseHeaders: z
      .record(z.string().regex(HEADER_NAME, { error: 'expected a header name of letters, digits and -' }), z.union([z.string(), z.boolean()]))
      .optional()
      .describe(
        'Response headers to check: true = must be present, false = must be absent, a string = must equal it ' +
          '(e.g. { Access-Control-Allow-Origin: "*", X-Frame-Options: DENY, X-Powered-By: false }).',
      ),
    ca: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Trusted CA certificate(s) for an https URL signed by a private CA, as a PEM file path relative to the plan's directory " +
          "or PEM text; they replace the system's CAs for this check, like the tls check's ca.",
      ),
    maxLatency: durationMs('Longest acceptable time from sending the request to the end of the response body, e.g. 200ms.').optional(),
  })
  .describe('Sends one HTTP request and checks the response.');

/** Parsed configuration of an `http` check (durations in ms, defaults applied). */
export type HttpCheckConfig = z.output<typeof httpCheckSchema>;

/** Creates an `http` check. */
export function createHttpCheck(config: HttpCheckConfig, deps: CheckDeps): Check {
  const filled = fillConfigPlaceholders(config, deps.variables);
  const headers = lowerCaseHeaders(filled.headers ?? {});
  const secrets = Object.entries(filled.headers ?? {})
    .filter(([name]) => SECRET_HEADER.test(name))
    .map(([, value]) => value);
  let body: string | undefined;
  if (typeof filled.body === 'string') body = filled.body;
  else if (filled.body !== undefined) {
    body = JSON.stringify(filled.body);
    headers['content-type'] ??= 'application/json';
  }
  // The URL and what results show of it are worked out once: a monitor runs the same check every few seconds.
  const target = parseTarget(filled.url, headers);
  const label = `${filled.method} ${target.shown}`;
  const probeOptions = { label, secrets: [...secrets, target.password] };
  return {
    kind: 'http',
    run: ({ signal }) =>
      probe(
        signal,
        async (signal) => {
          if (!target.url) return { status: 'error', detail: `invalid URL ${JSON.stringify(target.shown)}` };
          const ca = filled.ca === undefined ? undefined : await loadCa(filled.ca, deps.cwd);
          return request(filled, target.url, label, { headers: target.headers, body, signal, ca }, target.shown, secrets);
        },
        probeOptions,
      ),
  };
}

interface Target {
  url?: URL;
  shown: string;
  headers: Record<string, string>;
  password?: string;
}

/** Header names in lower case (the last of two spellings of one name wins). */
function lowerCaseHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/** Moves `user:pass@` out of the URL into a Basic Authorization header, so the URL shown never carries them. */
function parseTarget(raw: string, base: Record<string, string>): Target {
  const headers = { ...base };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { shown: redactSecrets(raw), headers };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { shown: redactSecrets(raw), headers };
  if (!url.username && !url.password) return { url, shown: shownUrl(url), headers };
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  headers.authorization ??= `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  return { url, shown: shownUrl(url), headers, password };
}

/** The URL as results show it: secret-looking query values (`?token=…`) replaced by `***`. */
function shownUrl(url: URL): string {
  const shown = new URL(url);
  for (const name of [...shown.searchParams.keys()]) {
    if (SECRET_QUERY.test(name)) shown.searchParams.set(name, '***');
  }
  return shown.href.replace(/%2A%2A%2A/g, '***');
}

async function request(
  config: HttpCheckConfig,
  url: URL,
  label: string,
  init: { headers: Record<string, string>; body: string | undefined; signal: AbortSignal; ca: string | undefined },
  shown: string,
  secrets: string[],
): Promise<ProbeOutcome> {
  let response: CheckResponse;
  try {
    response = await sendCheckRequest(url, {
      method: config.method,
      headers: init.headers,
      body: init.body,
      redirect: config.followRedirects ? 'follow' : 'manual',
      signal: init.signal,
      ca: init.ca,
      maxBodyBytes: MAX_BODY_BYTES,
    });
  } catch (error) {
    // Network failures come as TypeError("fetch failed") with the socket error, which has a code, as its cause;
    // anything else (a blocked port, a bad header) means the request could not be made at all.
    const cause = error instanceof TypeError ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
    if (init.signal.aborted || typeof cause?.code !== 'string') throw error;
    const why = cause.code === 'ECONNREFUSED' ? 'connection refused' : cause.message;
    return { status: 'fail', detail: `${label}: ${why}`, data: { url: shown, code: cause.code } };
  }
  const text = response.body;
  const latencyMs = elapsedSince(response.startedAt);
  const observed = { status: response.status, headers: { get: response.header }, body: text, latencyMs };
  const problems = findMismatches(config, observed);
  const data: Record<string, unknown> = { url: shown, method: config.method, status: response.status, latencyMs };
  if (problems.length === 0) {
    return { status: 'pass', detail: `${label} → ${response.status} in ${latencyMs}ms`, data };
  }
  const more = problems.length > 1 ? `; +${problems.length - 1} more` : '';
  const first = problems[0] ?? 'unexpected response';
  data.problems = problems;
  data.bodyExcerpt = redactSecrets(text.slice(0, 500), secrets);
  return { status: 'fail', detail: `${label}: ${first} (${latencyMs}ms)${more}`, data };
}
