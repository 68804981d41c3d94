/** The API server in-process for tests: a real SQLite store and token file in a temp dir, a daemon's parts stubbed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api/api-deps.js';
import { buildApiServer } from '../api/server.js';
import { loadOrCreateTokens, type ApiTokens } from '../api/tokens.js';
import { openStore, type Store } from '../store/index.js';

/** An API server built for a test, with what it was built on. */
export interface TestApi {
  readonly dir: string;
  readonly store: Store;
  readonly tokens: ApiTokens;
  readonly app: FastifyInstance;
  /** Closes the server and the store, and removes the temp dir. */
  close(): Promise<void>;
}

/**
 * Builds the API server of service `shop` on a fresh SQLite store: nothing running (no stable version, no
 * traffic, no events, empty metrics), unless `deps` says otherwise — given as they are, or made from the store
 * (for parts that keep their state in it, such as a job runner).
 */
export async function startTestApi(deps: Partial<ApiDeps> | ((store: Store) => Partial<ApiDeps>) = {}): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), 'glidepath-api-'));
  const store = await openStore('sqlite:state.db', { baseDir: dir });
  const tokens = loadOrCreateTokens(join(dir, 'token'));
  const given = typeof deps === 'function' ? deps(store) : deps;
  const app = await buildApiServer({
    service: 'shop',
    store,
    tokens,
    startedAt: new Date(),
    glidepathVersion: '0.0.0-test',
    subscribe: () => () => undefined,
    status: () => Promise.resolve({ service: 'shop', stable: null, canary: null, release: null }),
    traffic: () => Promise.resolve({ service: 'shop', windowMs: 10_000, versions: [] }),
    metrics: () => Promise.resolve({ contentType: 'text/plain', text: '' }),
    shutdown: () => undefined,
    ...given,
  });
  let closed = false;
  return {
    dir,
    store,
    tokens,
    app,
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await app.close();
        await store.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
