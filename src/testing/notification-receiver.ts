/** A real HTTP receiver on loopback that records what notifiers POST, and answers as a test tells it to. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver got it: the raw body bytes as text, and the headers. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The status the receiver answered with. */
  answered: number;
}

/** A running receiver; `answer` decides each response from the request's number (1, 2, …). */
export class NotificationReceiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  readonly #server: Server;

  private constructor(server: Server, url: string, requests: ReceivedRequest[]) {
    this.#server = server;
    this.url = url;
    this.requests = requests;
  }

  /** Starts on 127.0.0.1, on a port of its own; `answer` (default: 200) picks each response's status. */
  static async start(answer: (n: number, request: Omit<ReceivedRequest, 'answered'>) => number = () => 200): Promise<NotificationReceiver> {
    const requests: ReceivedRequest[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') };
        const status = answer(requests.length + 1, request);
        requests.push({ ...request, answered: status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : `failing on purpose (${status})`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new NotificationReceiver(server, `http://127.0.0.1:${port}`, requests);
  }

  /** Waits until `count` requests have come, for at most `timeoutMs`. */
  async waitForRequests(count: number, timeoutMs = 10_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      if (Date.now() > deadline) throw new Error(`the receiver got ${this.requests.length} request(s), not ${count}, within ${timeoutMs}ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.requests;
  }

  /** Stops listening and closes every connection. */
  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
