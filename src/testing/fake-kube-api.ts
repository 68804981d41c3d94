/**
 * A small Kubernetes API server on loopback for tests: the few endpoints the kubernetes target uses (Services,
 * Deployments, Gateway API HTTPRoutes: get, list, create, replace, merge patch, delete, and watches), with the
 * semantics that matter — resourceVersion conflicts (409), NotFound (404), list items without kind, a bearer
 * token — and a Deployment controller that marks pods available after a delay. `kubeconfig()` points a client at it.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeKubeError, FakeKubeStore, type FakeKubeOptions, type StoredObject } from './fake-kube-store.js';

const ROUTES: { pattern: RegExp; kind: string; apiVersion: string }[] = [
  { pattern: /^\/api\/v1\/namespaces\/([^/]+)\/services(?:\/([^/]+))?$/, kind: 'Service', apiVersion: 'v1' },
  { pattern: /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments(?:\/([^/]+))?$/, kind: 'Deployment', apiVersion: 'apps/v1' },
  { pattern: /^\/apis\/gateway\.networking\.k8s\.io\/v1\/namespaces\/([^/]+)\/httproutes(?:\/([^/]+))?$/, kind: 'HTTPRoute', apiVersion: 'gateway.networking.k8s.io/v1' },
];

/** One request as the server got it. */
export interface FakeKubeRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  status: number;
}

/** A running fake API server. */
export class FakeKubeApi {
  readonly url: string;
  readonly token: string;
  readonly store: FakeKubeStore;
  readonly requests: FakeKubeRequest[] = [];
  readonly #server: Server;
  readonly #streams = new Set<ServerResponse>();

  private constructor(server: Server, url: string, token: string, store: FakeKubeStore) {
    this.#server = server;
    this.url = url;
    this.token = token;
    this.store = store;
  }

  /** Starts on 127.0.0.1 on a port of its own. */
  static async start(options: FakeKubeOptions = {}): Promise<FakeKubeApi> {
    const store = new FakeKubeStore(options);
    const token = `test-token-${process.pid}-${Date.now()}`;
    const started: { api?: FakeKubeApi } = {};
    const server = createServer((req, res) => {
      if (started.api) started.api.#handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    started.api = new FakeKubeApi(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token, store);
    return started.api;
  }

  /** Writes a kubeconfig for this server (context `fake`, current unless `current` says otherwise) to `path`; plain HTTP needs `insecure-skip-tls-verify` in the client. */
  kubeconfig(path: string, current = 'fake'): string {
    const text = [
      'apiVersion: v1',
      'kind: Config',
      `current-context: ${current}`,
      'clusters:',
      `  - name: fake\n    cluster: { server: "${this.url}", insecure-skip-tls-verify: true }`,
      'users:',
      `  - name: tester\n    user: { token: "${this.token}" }`,
      'contexts:',
      '  - name: fake\n    context: { cluster: fake, user: tester }',
      '  - name: elsewhere\n    context: { cluster: fake, user: nobody }',
      '',
    ].join('\n');
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  }

  /** Stops the server, its watches and the pending status updates. */
  async close(): Promise<void> {
    this.store.close();
    for (const stream of this.#streams) stream.end();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const record = (status: number) => this.requests.push({ method, path: url.pathname + url.search, contentType: req.headers['content-type'], status });
    const send = (status: number, body: unknown) => {
      record(status);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    const route = ROUTES.find((r) => r.pattern.test(url.pathname));
    const match = route && route.pattern.exec(url.pathname);
    if (!route || !match) return send(404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
    const [, namespace = '', name] = match;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
        const { kind, apiVersion } = route;
        if (name === undefined && method === 'GET' && ['true', '1'].includes(url.searchParams.get('watch') ?? '')) return this.#watch(kind, namespace, url, res, record);
        if (name === undefined && method === 'GET') {
          const items = this.store.list(kind, namespace, url.searchParams.get('labelSelector') ?? '').map(({ kind: _k, apiVersion: _a, ...item }) => item);
          return send(200, { apiVersion, kind: `${kind}List`, metadata: { resourceVersion: this.store.resourceVersion }, items });
        }
        if (name === undefined && method === 'POST') return send(201, this.store.create(kind, namespace, { ...body, apiVersion, kind }));
        if (name === undefined) return send(405, status(405, 'MethodNotAllowed', `${method} is not allowed on a collection`));
        if (method === 'GET') {
          const found = this.store.get(kind, namespace, name);
          return found ? send(200, found) : send(404, status(404, 'NotFound', `${kind.toLowerCase()}s "${name}" not found`));
        }
        if (method === 'PUT') return send(200, this.store.replace(kind, namespace, name, { ...body, apiVersion, kind }));
        if (method === 'PATCH') {
          const type = req.headers['content-type'] ?? '';
          if (!type.startsWith('application/merge-patch+json') && !type.startsWith('application/strategic-merge-patch+json')) {
            return send(415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json (got ${type})`));
          }
          return send(200, this.store.mergePatch(kind, namespace, name, body));
        }
        if (method === 'DELETE') {
          this.store.delete(kind, namespace, name);
          return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, kind: `${kind.toLowerCase()}s` } });
        }
        return send(405, status(405, 'MethodNotAllowed', `${method} is not allowed`));
      } catch (error) {
        if (error instanceof FakeKubeError) return send(error.code, status(error.code, error.reason, error.message));
        return send(400, status(400, 'BadRequest', error instanceof Error ? error.message : String(error)));
      }
    });
  }

  /** A watch: without a resourceVersion, ADDED for what exists first; then every change, one JSON per line. */
  #watch(kind: string, namespace: string, url: URL, res: ServerResponse, record: (status: number) => void): void {
    record(200);
    const field = /^metadata\.name=(.+)$/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1];
    const labels = url.searchParams.get('labelSelector') ?? '';
    const wanted = (object: StoredObject) => (field === undefined || object.metadata.name === field) && this.store.list(kind, namespace, labels).some((o) => o.metadata.name === object.metadata.name);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    this.#streams.add(res);
    if (!url.searchParams.get('resourceVersion')) {
      for (const object of this.store.list(kind, namespace, labels)) if (wanted(object)) res.write(`${JSON.stringify({ type: 'ADDED', object })}\n`);
    }
    const stop = this.store.watch(kind, namespace, (event) => {
      if (event.type === 'DELETED' ? field === undefined || event.object.metadata.name === field : wanted(event.object)) res.write(`${JSON.stringify(event)}\n`);
    });
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    res.on('close', () => {
      stop();
      if (timer) clearTimeout(timer);
      this.#streams.delete(res);
    });
  }
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
