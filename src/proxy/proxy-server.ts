/** The proxy's listening server: accepts connections, holds the routing table and the metrics. */
import { performance } from 'node:perf_hooks';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { AccessLog } from './access-log.js';
import { ClientConnection } from './client-connection.js';
import { requestFields } from './header-fields.js';
import type { ProxyContext } from './proxy-context.js';
import { adoptWithReadBuffer } from './read-buffer.js';
import { resolveProxyOptions, type ProxyOptions, type ResolvedProxyOptions } from './proxy-options.js';
import { seededRandom } from '../shared/seeded-random.js';
import { Router, type DrainResult } from './router.js';
import { validateRoutingTable, type RoutingTable } from './routing-table.js';
import { UpstreamPool } from './upstream-pool.js';
import { VersionMetrics, type VersionTotals, type WindowStats } from './version-metrics.js';

/** Metrics of one version: the sliding window asked for, monotonic totals and what is in flight now. */
export interface VersionMetricsSnapshot {
  version: string;
  weight: number | null;
  draining: boolean;
  inFlight: number;
  window: WindowStats;
  totals: VersionTotals;
}

/** Every version's metrics at one moment. */
export interface ProxyMetricsSnapshot {
  /** Wall time of the snapshot, ms since the epoch. */
  at: number;
  /** When this proxy began to serve, ms since the epoch: its counters start there (a restarted proxy's from zero). */
  startedAt?: number;
  windowSeconds: number;
  versions: VersionMetricsSnapshot[];
}

/** The traffic-splitting HTTP/1.1 reverse proxy, in the current thread (`ProxyHost` runs it on a worker). */
export class ProxyServer {
  readonly #server: Server;
  readonly #options: ResolvedProxyOptions;
  readonly #router: Router;
  readonly #pool: UpstreamPool;
  readonly #metrics = new Map<string, VersionMetrics>();
  readonly #connections = new Set<ClientConnection>();
  readonly #sweep: NodeJS.Timeout;
  // the expiry the sweep found due, waiting for the socket events that are ready to be handled first
  #expiring: NodeJS.Immediate | null = null;
  readonly #ctx: ProxyContext;
  #startedAt = Date.now();

  private constructor(options: ResolvedProxyOptions) {
    this.#options = options;
    this.#router = new Router(options.balance, seededRandom(options.seed));
    this.#pool = new UpstreamPool({
      maxPerUpstream: options.maxConnectionsPerUpstream,
      idleTimeoutMs: options.upstreamIdleTimeoutMs,
      connectTimeoutMs: options.upstreamConnectTimeoutMs,
    });
    const lines = new Map<string, string>();
    const metrics = this.#metrics;
    const keep = options.metricsKeepSeconds;
    const stickyHeader = options.sticky.startsWith('header:') ? options.sticky.slice(7).toLowerCase() : null;
    this.#ctx = {
      options,
      stickyHeader,
      requestFields: requestFields(stickyHeader),
      router: this.#router,
      pool: this.#pool,
      accessLog: options.accessLog === null ? null : new AccessLog(options.accessLog),
      metrics(version) {
        let m = metrics.get(version);
        if (m === undefined) {
          m = new VersionMetrics(version, keep);
          metrics.set(version, m);
        }
        return m;
      },
      versionLine(version) {
        if (options.versionHeader === null) return '';
        let line = lines.get(version);
        if (line === undefined) {
          line = `${options.versionHeader}: ${version}\r\n`;
          lines.set(version, line);
        }
        return line;
      },
    };
    // accepted paused, so that the socket can move to the read-buffer path before its first read
    this.#server = createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (accepted) => {
      const onClose = (c: ClientConnection): boolean => this.#connections.delete(c);
      let conn: ClientConnection | null = null;
      // reads start on a later turn of the event loop, once `conn` is set
      const socket =
        options.clientReads === 'buffer' ? adoptWithReadBuffer(accepted, (n, buf) => conn?.onRead(n, buf)) : null;
      if (socket !== null) {
        conn = new ClientConnection(socket, this.#ctx, onClose, true);
      } else {
        conn = new ClientConnection(accepted, this.#ctx, onClose, false);
        accepted.resume();
      }
      this.#connections.add(conn);
    });
    const shortest = Math.min(
      options.headersTimeoutMs,
      options.keepAliveTimeoutMs,
      options.upstreamResponseTimeoutMs,
    );
    this.#sweep = setInterval(() => this.#expire(), Math.max(10, Math.min(500, shortest / 4)));
    this.#sweep.unref();
  }

  /** Starts a proxy listening on `options.host:port` with an empty routing table. */
  static async listen(options: ProxyOptions = {}): Promise<ProxyServer> {
    const proxy = ProxyServer.prepare(options);
    await proxy.start();
    return proxy;
  }

  /** A proxy made ready but not listening yet (a standby): `start` makes it listen. */
  static prepare(options: ProxyOptions = {}): ProxyServer {
    return new ProxyServer(resolveProxyOptions(options));
  }

  /** Listens on `options.host:port`; resolves once it accepts connections. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        this.#startedAt = Date.now();
        resolve();
      });
    });
  }

  /** The address the proxy listens on. */
  get address(): { host: string; port: number } {
    const a = this.#server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  /** Replaces the routing table atomically; throws (changing nothing) when it is invalid. */
  setRoutes(table: RoutingTable): void {
    this.#router.setTable(validateRoutingTable(table));
    this.#pool.closeIdleExcept(this.#router.activeKeys());
  }

  /** Stops new requests to `version`; resolves when its in-flight requests finished or `timeoutMs` passed. */
  async drain(version: string, timeoutMs: number): Promise<DrainResult> {
    const result = await this.#router.drain(version, timeoutMs);
    this.#pool.closeIdleExcept(this.#router.activeKeys());
    return result;
  }

  /** Every known version's metrics over the last `windowSeconds`. */
  metrics(windowSeconds = 60): ProxyMetricsSnapshot {
    const at = Date.now();
    const inFlight = this.#router.inFlight();
    const routes = new Map(this.#router.routes.map((r) => [r.state.version, r]));
    for (const v of routes.keys()) this.#ctx.metrics(v);
    const versions = [...this.#metrics.values()].map((m): VersionMetricsSnapshot => {
      const route = routes.get(m.version);
      return {
        version: m.version,
        weight: route?.weight ?? null,
        draining: route?.draining ?? false,
        inFlight: inFlight.get(m.version) ?? 0,
        window: m.window(windowSeconds, at),
        totals: m.totals(),
      };
    });
    return { at, startedAt: this.#startedAt, windowSeconds, versions };
  }

  /** Upstream pool sizes per instance address (for diagnostics and tests). */
  poolStats(): ReturnType<UpstreamPool['stats']> {
    return this.#pool.stats();
  }

  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes everything. */
  async close(graceMs = 5000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const deadline = Date.now() + graceMs;
    for (;;) {
      for (const c of this.#connections) if (c.idle) c.socket.destroy();
      if (this.#connections.size === 0 || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const c of this.#connections) c.socket.destroy();
    clearInterval(this.#sweep);
    if (this.#expiring !== null) clearImmediate(this.#expiring);
    this.#pool.close();
    await closed;
    await this.#ctx.accessLog?.close();
  }

  // A deadline found due is acted on only once the socket events ready by then have been handled: setImmediate
  // runs after the event loop's poll, as nginx handles ready events before it expires timers. Node runs due timers
  // before it polls, so after this thread was busy past a deadline (a long task, a garbage collection, a host short
  // of CPU) bytes that arrived in time would be found too late: a 504 for a response waiting in its socket, a
  // response cut, a keep-alive connection closed under the request it just received.
  #expire(): void {
    if (this.#expiring !== null) return;
    const now = performance.now();
    for (const c of this.#connections) {
      if (c.deadline !== 0 && c.deadline <= now) {
        this.#expiring = setImmediate(() => this.#expireDue());
        return;
      }
    }
  }

  #expireDue(): void {
    this.#expiring = null;
    const now = performance.now();
    for (const c of this.#connections) if (c.deadline !== 0 && c.deadline <= now) c.expire();
  }
}
