/** The routing table: versions, their weights and instances, checked before use. */
import { GlidepathError } from '../shared/errors.js';

/** One running instance of a version, reached directly on loopback or the local network. */
export interface UpstreamInstance {
  host: string;
  port: number;
}

/** A version's share of traffic and where it runs. */
export interface VersionRoute {
  version: string;
  /** Share of new requests, 0–100, relative to the other versions' weights. */
  weight: number;
  instances: UpstreamInstance[];
  /** A draining version gets no new requests; in-flight ones finish. `false` lifts an earlier `drain()`. */
  draining?: boolean;
}

/** The proxy's whole routing table, replaced atomically by `setRoutes`. */
export interface RoutingTable {
  versions: VersionRoute[];
}

/** How a user stays on one version: not at all, by a cookie the proxy sets, or by hashing a request header. */
export type StickyMode = 'none' | 'cookie' | `header:${string}`;

/** How a version's instances share its requests. */
export type BalanceMode = 'round-robin' | 'least-connections';

function invalid(message: string): GlidepathError {
  return new GlidepathError(`invalid routing table: ${message}`, { code: 'routes_invalid', exitCode: 2 });
}

/** Checks a routing table from outside (the message protocol) and returns a private copy; throws when unusable. */
export function validateRoutingTable(input: unknown): RoutingTable {
  if (typeof input !== 'object' || input === null || !Array.isArray((input as RoutingTable).versions)) {
    throw invalid('expected { versions: [...] }');
  }
  const seen = new Set<string>();
  const versions = (input as RoutingTable).versions.map((v, i): VersionRoute => {
    const where = `versions[${i}]`;
    if (typeof v?.version !== 'string' || v.version === '') throw invalid(`${where}.version must be a non-empty string`);
    if (!/^[\x21-\x7e]+$/.test(v.version) || /[;,"\\]/.test(v.version)) {
      throw invalid(`${where}.version must be printable ASCII without spaces, quotes, \\, ; or ,`);
    }
    if (seen.has(v.version)) throw invalid(`${where}.version "${v.version}" appears twice`);
    seen.add(v.version);
    if (typeof v.weight !== 'number' || !Number.isFinite(v.weight) || v.weight < 0 || v.weight > 100) {
      throw invalid(`${where}.weight must be a number from 0 to 100`);
    }
    if (!Array.isArray(v.instances)) throw invalid(`${where}.instances must be a list`);
    const instances = v.instances.map((inst, j) => {
      if (typeof inst?.host !== 'string' || inst.host === '') throw invalid(`${where}.instances[${j}].host is missing`);
      if (!Number.isInteger(inst.port) || inst.port < 1 || inst.port > 65535) {
        throw invalid(`${where}.instances[${j}].port must be 1–65535`);
      }
      return { host: inst.host, port: inst.port };
    });
    const route: VersionRoute = { version: v.version, weight: v.weight, instances };
    if (typeof v.draining === 'boolean') route.draining = v.draining;
    return route;
  });
  return { versions };
}

/** Checks a sticky mode string. */
export function parseStickyMode(mode: string): StickyMode {
  if (mode === 'none' || mode === 'cookie') return mode;
  if (/^header:[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(mode)) return mode as StickyMode;
  throw new GlidepathError(`invalid sticky mode "${mode}": expected none, cookie or header:NAME`, {
    code: 'sticky_invalid',
    exitCode: 2,
  });
}
