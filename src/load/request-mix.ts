/** The requests a load sends: each prebuilt once as bytes, and a weighted order to pick them in. */

/** One request of a mix, as the plan describes it. */
export interface MixRequest {
  /** Name in reports and targets (default: method and path). */
  name?: string;
  method?: string;
  /** Path with query string, starting with `/`. */
  path: string;
  headers?: Readonly<Record<string, string>>;
  body?: string;
  /** Relative share in the mix (default 1). */
  weight?: number;
}

/** A request ready to write: its name, its bytes, and whether its response has no body. */
export interface PreparedRequest {
  name: string;
  bytes: Buffer;
  noBody: boolean;
}

/** The prepared requests and the order they are sent in (indexes into `requests`, repeated round after round). */
export interface RequestMix {
  requests: PreparedRequest[];
  order: Uint16Array;
}

// one round of the weighted order holds at most this many picks; larger weights are scaled down to it
const MAX_ROUND = 10_000;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

/** The name a request goes by: its own, or `METHOD /path`. */
export function requestName(request: MixRequest): string {
  return request.name ?? `${request.method ?? 'GET'} ${request.path}`;
}

/** Prepares each request's bytes for `host` (the Host header) and spreads them by weight, smoothly interleaved. */
export function prepareMix(requests: readonly MixRequest[], host: string): RequestMix {
  if (requests.length === 0) throw new Error('a load needs at least one request');
  if (requests.length > 0xffff) throw new Error('a load takes at most 65535 different requests');
  const prepared = requests.map((request) => prepareRequest(request, host));
  return { requests: prepared, order: weightedOrder(requests.map((r) => r.weight ?? 1)) };
}

function prepareRequest(request: MixRequest, host: string): PreparedRequest {
  const method = (request.method ?? 'GET').toUpperCase();
  if (!request.path.startsWith('/') || /[\s]/.test(request.path)) throw new Error(`request path ${JSON.stringify(request.path)} must start with / and hold no spaces`);
  const lines = [`${method} ${request.path} HTTP/1.1`];
  const given = new Set<string>();
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (!HEADER_NAME.test(name) || /[\r\n]/.test(value)) throw new Error(`request header ${JSON.stringify(name)} is not a valid header`);
    given.add(name.toLowerCase());
    lines.push(`${name}: ${value}`);
  }
  if (!given.has('host')) lines.push(`Host: ${host}`);
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  if (body !== undefined || ['POST', 'PUT', 'PATCH'].includes(method)) lines.push(`Content-Length: ${body?.length ?? 0}`);
  if (!given.has('connection')) lines.push('Connection: keep-alive');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return { name: requestName(request), bytes: body === undefined ? head : Buffer.concat([head, body]), noBody: method === 'HEAD' };
}

/** Smooth weighted round robin (nginx's): each index appears in proportion to its weight, spread evenly. */
export function weightedOrder(weights: readonly number[]): Uint16Array {
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (!weights.every((w) => Number.isFinite(w) && w > 0)) throw new Error('request weights must be positive numbers');
  const scale = total > MAX_ROUND ? MAX_ROUND / total : 1;
  const scaled = weights.map((w) => Math.max(1, Math.round(w * scale)));
  const round = scaled.reduce((sum, w) => sum + w, 0);
  const current = scaled.map(() => 0);
  const order = new Uint16Array(round);
  for (let pick = 0; pick < round; pick++) {
    let best = 0;
    for (let i = 0; i < scaled.length; i++) {
      current[i] = (current[i] ?? 0) + (scaled[i] ?? 0);
      if ((current[i] ?? 0) > (current[best] ?? 0)) best = i;
    }
    current[best] = (current[best] ?? 0) - round;
    order[pick] = best;
  }
  return order;
}
