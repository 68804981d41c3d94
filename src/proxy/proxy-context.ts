/** What every connection and exchange of one proxy shares: options, router, pools, metrics. */
import type { Socket } from 'node:net';
import type { AccessLog } from './access-log.js';
import type { ForwardedFields } from './forward-head.js';
import type { ResolvedProxyOptions } from './proxy-options.js';
import type { Router } from './router.js';
import type { UpstreamConnection, UpstreamPool } from './upstream-pool.js';
import type { VersionMetrics } from './version-metrics.js';

/** What every connection of one proxy shares. */
export interface ProxyContext {
  readonly options: ResolvedProxyOptions;
  /** The sticky header's name in lower case, when `options.sticky` is `header:NAME`. */
  readonly stickyHeader: string | null;
  /** The request fields the proxy reads (`requestFields`): only these are given strings when a head is parsed. */
  readonly requestFields: readonly string[];
  readonly router: Router;
  readonly pool: UpstreamPool;
  /** The access log, or null when it is off. */
  readonly accessLog: AccessLog | null;
  /** The metrics of a version, created on first use. */
  metrics(version: string): VersionMetrics;
  /** `name: value\r\n` of the version header for `version`, or '' when the header is off. */
  versionLine(version: string): string;
}

/** The client side of a connection as one exchange sees it. */
export interface ExchangeHost {
  readonly ctx: ProxyContext;
  readonly socket: Socket;
  /** The X-Forwarded-* text for this client connection. */
  readonly forwarded: ForwardedFields;
  /** The client's address, as the access log names it. */
  readonly address: string;
  /** Writes to the client; false when the client's buffer is full (wait for `onClientDrain`). */
  write(data: Buffer | string): boolean;
  /** Pauses or resumes reading request bytes because the upstream is slow. */
  holdClient(hold: boolean): void;
  /** Sets the timeout that applies from `now` (`performance.now()`, read when not given); 0 clears it. */
  setDeadline(ms: number, now?: number): void;
  /** The exchange is over; `keepAlive` says whether the client connection may carry another request. */
  exchangeDone(keepAlive: boolean, now: number): void;
  /** The upstream answered 101: bytes flow raw both ways from now on; `onClose` runs when the tunnel ends. */
  startTunnel(upstream: UpstreamConnection, leftover: Buffer | null, onClose: () => void): void;
  /** The exchange failed after the response began; the client connection must be destroyed. */
  destroy(): void;
}
