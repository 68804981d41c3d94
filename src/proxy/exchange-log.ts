/** The access log line of one exchange. */
import type { AccessLog } from './access-log.js';
import type { ExchangeHost } from './proxy-context.js';
import type { RequestHead } from './request-head.js';
import type { InstanceState } from './router.js';

/**
 * Records one exchange of `host` in `log`: `req` went to `upstream` (a `version`) and ended with `status`; `sent0`
 * is the client socket's `bytesWritten` when the exchange began.
 */
export function logExchange(
  log: AccessLog,
  host: ExchangeHost,
  req: RequestHead,
  upstream: InstanceState,
  version: string,
  status: number,
  sent0: number,
  durationMs: number,
): void {
  log.record({
    address: host.address,
    method: req.method,
    target: req.target,
    minor: req.minor,
    fields: req,
    status,
    bytes: host.socket.bytesWritten - sent0,
    durationMs,
    version,
    upstream: `${upstream.host}:${upstream.port}`,
  });
}
