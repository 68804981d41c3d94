/** The named states of one exchange, the transitions between them, and the ways an exchange can end. */

/**
 * Where an exchange is: each state names what it waits for.
 *
 * - `connecting`: for an upstream connection (the first, one on another instance, or a fresh one after a reused
 *   connection turned out closed);
 * - `awaiting-head`: the request head went upstream; no response byte has come back yet;
 * - `reading-head`: part of the response head (or 1xx interim responses) came back;
 * - `streaming`: the response head went to the client; body bytes stream through;
 * - `settled`: over (see {@link ExchangeEnding}); nothing the upstream or the client does changes it any more.
 */
export type ExchangeState = 'connecting' | 'awaiting-head' | 'reading-head' | 'streaming' | 'settled';

/**
 * How an exchange settled:
 *
 * - `answered`: the upstream's whole response went to the client;
 * - `refused`: the proxy answered itself (4xx/5xx), before any response byte went to the client;
 * - `broken`: the upstream failed after the response head went to the client, whose connection is cut;
 * - `aborted`: the client went away;
 * - `upgraded`: the upstream switched protocols (101) and the connections became a tunnel.
 */
export type ExchangeEnding = 'answered' | 'refused' | 'broken' | 'aborted' | 'upgraded';

/** The states each state may move to; every other move is a bug. */
export const EXCHANGE_TRANSITIONS: Readonly<Record<ExchangeState, readonly ExchangeState[]>> = {
  connecting: ['awaiting-head', 'settled'],
  // a reused keep-alive connection closed under the request, or a connect failure on a retryable request
  'awaiting-head': ['reading-head', 'connecting', 'settled'],
  'reading-head': ['streaming', 'settled'],
  streaming: ['settled'],
  settled: [],
};

/** Throws unless an exchange may move from `from` to `to`. */
export function checkTransition(from: ExchangeState, to: ExchangeState): void {
  if (!EXCHANGE_TRANSITIONS[from].includes(to)) throw new Error(`exchange cannot move from ${from} to ${to}`);
}
