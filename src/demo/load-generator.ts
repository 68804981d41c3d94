/** Steady background traffic for the demo: a few keep-alive clients, counting what users would have seen. */
import { Agent, request } from 'node:http';

export interface LoadCounts {
  requests: number;
  /** Non-2xx answers and connection errors: requests a user saw fail. */
  failed: number;
  byVersion: Record<string, { requests: number; failed: number }>;
}

/** Runs until `stop()`; every client waits `pauseMs` between requests, so the rate stays modest. */
export class LoadGenerator {
  readonly #url: URL;
  readonly #agent: Agent;
  readonly #clients: Promise<void>[] = [];
  #running = true;
  counts: LoadCounts = { requests: 0, failed: 0, byVersion: {} };

  constructor(url: string, options: { clients: number; pauseMs: number; versionHeader: string }) {
    this.#url = new URL(url);
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.clients });
    for (let i = 0; i < options.clients; i++) this.#clients.push(this.#client(options.pauseMs, options.versionHeader.toLowerCase()));
  }

  /** Starts counting afresh (between releases). */
  reset(): LoadCounts {
    const previous = this.counts;
    this.counts = { requests: 0, failed: 0, byVersion: {} };
    return previous;
  }

  async #client(pauseMs: number, header: string): Promise<void> {
    while (this.#running) {
      const { status, version } = await this.#once(header);
      const failed = status < 200 || status >= 300;
      this.counts.requests++;
      if (failed) this.counts.failed++;
      const entry = (this.counts.byVersion[version] ??= { requests: 0, failed: 0 });
      entry.requests++;
      if (failed) entry.failed++;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  #once(header: string): Promise<{ status: number; version: string }> {
    return new Promise((resolve) => {
      const req = request(this.#url, { agent: this.#agent, timeout: 5_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, version: String(res.headers[header] ?? 'none') }));
        res.on('error', () => resolve({ status: 0, version: 'none' }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve({ status: 0, version: 'none' }));
      req.end();
    });
  }

  async stop(): Promise<LoadCounts> {
    this.#running = false;
    await Promise.all(this.#clients);
    this.#agent.destroy();
    return this.counts;
  }
}
