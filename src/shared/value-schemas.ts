/**
 * Zod schemas for plan values that have a form of their own: URLs, database URLs, HTTP header names,
 * environment variable names and ports. Shared by the plan and by every plugin's own schema.
 */
import { z } from 'zod';

/** Header names are HTTP tokens (RFC 9110): no spaces, colons, CR or LF. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Header values may not hold CR, LF or NUL: they would end the header and start another. */
const HEADER_VALUE = /^[^\r\n\0]*$/;
/** POSIX-style environment variable names. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A TCP port a service can listen on or be reached at. */
export const isPort = (port: number) => Number.isInteger(port) && port >= 1 && port <= 65_535;

// Stand-ins for the placeholders glidepath fills in at run time, so a URL template can be checked now.
const PLACEHOLDER_SAMPLES: Record<string, string> = { url: 'http://127.0.0.1:1', service_url: 'http://127.0.0.1:1', port: '1', version: 'v1' };

/** The text with `{name}` placeholders replaced by sample values of their kind. */
function withSamplePlaceholders(text: string): string {
  return text.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_whole, name: string) => PLACEHOLDER_SAMPLES[name] ?? 'x');
}

/** Why a URL (placeholders filled with samples) is not one of the given schemes, or undefined when it is. */
export function urlProblem(text: string, schemes: readonly string[]): string | undefined {
  // A URL that starts with a placeholder of the caller's own (`{db}`) is only known at run time.
  const leading = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(text);
  if (leading && PLACEHOLDER_SAMPLES[leading[1] as string] === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(withSamplePlaceholders(text));
  } catch {
    return 'it does not parse as a URL';
  }
  if (!schemes.includes(url.protocol.slice(0, -1))) return `its scheme is ${url.protocol.slice(0, -1)}`;
  if (url.port === '0') return 'port 0 cannot be reached';
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname === '') return 'it names no host';
  return undefined;
}

const SCHEME_NAMES: Record<string, string> = { 'http,https': 'an http(s)', 'postgres,postgresql': 'a postgres://', 'redis,rediss': 'a redis://' };

/** A URL of one of `schemes` (placeholders such as `{url}` and `{port}` allowed); `example` shows the form. */
export function urlString(description: string, schemes: readonly string[], example: string) {
  const expected = `expected ${SCHEME_NAMES[schemes.join(',')] ?? `a ${schemes.join(' or ')}`} URL like ${example}`;
  return z
    .string({ error: expected })
    .superRefine((text, ctx) => {
      const problem = urlProblem(text, schemes);
      if (problem) ctx.addIssue({ code: 'custom', message: `${expected} (${problem})` });
    })
    .describe(description);
}

/** An http(s) URL. */
export const httpUrl = (description: string, example = 'http://127.0.0.1:8080/health') => urlString(description, ['http', 'https'], example);

/** Why text is not `sqlite:PATH`, `sqlite::memory:` or a `postgres://` URL, or undefined when it is one. */
export function databaseUrlProblem(text: string): string | undefined {
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length);
    return path.trim() === '' || path.startsWith('//') ? 'sqlite: needs a path, like sqlite:.glidepath/state.db' : undefined;
  }
  if (/^postgres(ql)?:/.test(text)) return urlProblem(text, ['postgres', 'postgresql']) ?? (/^postgres(ql)?:\/\/[^/]/.test(text) ? undefined : 'it names no host');
  return 'only sqlite: and postgres:// are supported';
}

/** A database glidepath can open: `sqlite:PATH` or a `postgres://` URL. */
export function databaseUrl(description: string) {
  const expected = 'expected sqlite:PATH or a postgres:// URL';
  return z
    .string({ error: expected })
    .superRefine((text, ctx) => {
      const problem = databaseUrlProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: `${expected} (${problem})` });
    })
    .describe(description);
}

/** HTTP headers by name; names are tokens, values hold no line breaks. */
export function httpHeaders(description: string) {
  return z
    .record(
      z.string().regex(HEADER_NAME, { error: 'expected a header name of letters, digits and - (no spaces, colons or line breaks)' }),
      z.string({ error: 'expected a header value' }).regex(HEADER_VALUE, { error: 'expected a header value without line breaks' }),
    )
    .describe(description);
}

/** Environment variable names (`[A-Za-z_][A-Za-z0-9_]*`), as the key schema of an env map. */
export const envName = () => z.string().regex(ENV_NAME, { error: 'expected an environment variable name of letters, digits and _, not starting with a digit' });
