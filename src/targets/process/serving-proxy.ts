/** The process target's proxies: the service's own process (adopted across daemons) and a blue-green preview. */
import { resolve } from 'node:path';
import type { ProcessTargetConfig } from '../../plan/schema/target.js';
import { ProxyHost, ProxyRemote, type ProxyOptions } from '../../proxy/index.js';
import { GlidepathError, describeError } from '../../shared/errors.js';

/** What the proxy settings come from. */
export interface ServingProxyOptions {
  config: ProcessTargetConfig;
  planDir: string;
  stateDir: string;
  /** Extra proxy settings (tests pin the seed). */
  proxy?: { seed?: number; metricsKeepSeconds?: number };
}

/** The proxy's settings for a `host:port` address, from the plan's process target. */
function proxyOptionsOf(options: ServingProxyOptions, listen: string): ProxyOptions {
  const at = listen.lastIndexOf(':');
  const accessLog = options.config.accessLog;
  return {
    host: listen.slice(0, at).replace(/^\[|\]$/g, ''),
    port: Number(listen.slice(at + 1)),
    sticky: options.config.sticky as never,
    versionHeader: options.config.versionHeader ?? null,
    accessLog: accessLog === undefined ? null : { path: resolve(options.planDir, accessLog.path), format: accessLog.format },
    ...options.proxy,
  };
}

function cannotListen(listen: string): (error: unknown) => never {
  return (error) => {
    throw new GlidepathError(`proxy cannot listen on ${listen}: ${describeError(error)}`, { cause: error });
  };
}

/** The service's proxy process on the plan's `listen`: the running one adopted, or a new one started. */
export function openServiceProxy(options: ServingProxyOptions): Promise<ProxyRemote> {
  return ProxyRemote.open(options.stateDir, proxyOptionsOf(options, options.config.listen)).catch(cannotListen(options.config.listen));
}

/** A preview proxy on `listen`, on a worker thread of the daemon (it lives as long as the release that opened it). */
export function startPreviewProxy(options: ServingProxyOptions, listen: string): Promise<ProxyHost> {
  return ProxyHost.start(proxyOptionsOf(options, listen)).catch(cannotListen(listen));
}
