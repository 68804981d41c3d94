/** The proxy's settings and their defaults. */
import type { AccessLogOptions } from './access-log.js';
import type { BalanceMode, StickyMode } from './routing-table.js';

/** Settings of a proxy instance; every one has a default. */
export interface ProxyOptions {
  /** Listen address; port 0 picks a free one. */
  host?: string;
  port?: number;
  sticky?: StickyMode;
  /** Cookie that pins a user to a version when `sticky` is `cookie`. */
  cookieName?: string;
  balance?: BalanceMode;
  /** Name of a response header that tells which version served (e.g. `X-Glidepath-Version`); off when null. */
  versionHeader?: string | null;
  /** Scheme reported in X-Forwarded-Proto. */
  proto?: 'http' | 'https';
  /** Largest request head accepted; larger ones get 431. */
  maxHeaderBytes?: number;
  /** Time a client has to send a whole request head once it started one (408 after). */
  headersTimeoutMs?: number;
  /** Time an idle client keep-alive connection is kept. */
  keepAliveTimeoutMs?: number;
  upstreamConnectTimeoutMs?: number;
  /** Longest silence from an upstream while a response is awaited or streamed (504 before the head). */
  upstreamResponseTimeoutMs?: number;
  upstreamIdleTimeoutMs?: number;
  maxConnectionsPerUpstream?: number;
  /** Seed of the weighted choice; random when absent. */
  seed?: number;
  /** Seconds of one-second metric buckets kept. */
  metricsKeepSeconds?: number;
  /**
   * How client sockets are read: `buffer` into the thread's shared read buffer (the fast path, see
   * read-buffer.ts) or `stream` through Node's public 'data' events, which `buffer` falls back to by itself when
   * this Node does not allow it.
   */
  clientReads?: 'buffer' | 'stream';
  /** An access log of every answered request; off when null. */
  accessLog?: AccessLogOptions | null;
}

/** The defaults of `ProxyOptions`. */
export const DEFAULT_PROXY_OPTIONS = {
  host: '127.0.0.1',
  port: 0,
  sticky: 'none',
  cookieName: 'glidepath_version',
  balance: 'round-robin',
  versionHeader: null,
  proto: 'http',
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 65_000,
  upstreamConnectTimeoutMs: 3_000,
  upstreamResponseTimeoutMs: 60_000,
  upstreamIdleTimeoutMs: 4_000,
  maxConnectionsPerUpstream: 256,
  metricsKeepSeconds: 60,
  clientReads: 'buffer',
  accessLog: null,
} as const satisfies Omit<Required<ProxyOptions>, 'seed'>;

/** `ProxyOptions` with every default applied. */
export type ResolvedProxyOptions = Required<
  Omit<ProxyOptions, 'versionHeader' | 'sticky' | 'balance' | 'proto' | 'clientReads' | 'accessLog'>
> & {
  accessLog: AccessLogOptions | null;
  versionHeader: string | null;
  clientReads: 'buffer' | 'stream';
  sticky: StickyMode;
  balance: BalanceMode;
  proto: 'http' | 'https';
};

/** Applies the defaults. */
export function resolveProxyOptions(options: ProxyOptions): ResolvedProxyOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as ProxyOptions;
  return { ...DEFAULT_PROXY_OPTIONS, ...given, seed: options.seed ?? Math.floor(Math.random() * 2 ** 32) };
}
