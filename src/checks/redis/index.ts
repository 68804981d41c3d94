/** `redis` check: PING, and optionally a key that must exist or hold a value; node-redis is loaded lazily. */
import { z } from 'zod';
import { describeError } from '../../shared/errors.js';
import { urlString } from '../../shared/value-schemas.js';
import type { Check, CheckDeps } from '../check.js';
import { fillConfigPlaceholders } from '../placeholders.js';
import { elapsedSince, probe, type ProbeOutcome } from '../probe.js';
import { urlPassword } from '../redact.js';

/** The part of a node-redis client this check uses. */
export interface RedisClientLike {
  on(event: 'error', listener: (error: Error) => void): unknown;
  connect(): Promise<unknown>;
  ping(): Promise<string>;
  exists(key: string): Promise<number>;
  get(key: string): Promise<string | null>;
  destroy(): void;
}

/** Creates a client; the default loads `redis` on first use, tests and embedders may inject another. */
export type RedisConnector = (options: { url: string; connectTimeoutMs: number }) => Promise<RedisClientLike>;

/** Bound on opening the connection, separate from the check's overall timeout, so a black hole fails fast. */
export const REDIS_CONNECT_TIMEOUT_MS = 5_000;

/** Configuration of a `redis` check. */
export const redisCheckSchema = z
  .strictObject({
    url: urlString('Redis URL, e.g. redis://:password@127.0.0.1:6379/0 or rediss:// for TLS. The password never appears in results.', ['redis', 'rediss'], 'redis://127.0.0.1:6379'),
    key: z.string().min(1).optional().describe('A key to look at after PING; with neither `exists` nor `equals`, it must exist.'),
    exists: z.boolean().optional().describe('With `key`: true = the key must exist, false = it must not.'),
    equals: z.string().optional().describe('With `key`: the string value the key must hold.'),
  })
  .refine((config) => config.key !== undefined || (config.exists === undefined && config.equals === undefined), {
    message: '`exists` and `equals` need `key`',
    path: ['key'],
  })
  .describe('Connects to Redis and sends PING; optionally checks one key.');

/** Parsed configuration of a `redis` check (durations in ms, defaults applied). */
export type RedisCheckConfig = z.output<typeof redisCheckSchema>;

/** Loads node-redis lazily, so plans without a redis check never pay for it. */
export const connectRedis: RedisConnector = async ({ url, connectTimeoutMs }) => {
  const { createClient } = await import('redis');
  return createClient({ url, socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: false } });
};

/** Creates a `redis` check. */
export function createRedisCheck(config: RedisCheckConfig, deps: CheckDeps, connector: RedisConnector = connectRedis): Check {
  const filled = fillConfigPlaceholders(config, deps.variables);
  const label = `redis ${where(filled.url)}`;
  return {
    kind: 'redis',
    run: ({ signal }) =>
      probe(signal, (signal) => ping(filled, label, connector, signal), { label, secrets: [urlPassword(filled.url)] }),
  };
}

function where(url: string): string {
  try {
    const parsed = new URL(url);
    const db = parsed.pathname.length > 1 ? parsed.pathname : '';
    return `${parsed.host}${db}`;
  } catch {
    return 'at an invalid URL';
  }
}

async function ping(config: RedisCheckConfig, label: string, connector: RedisConnector, signal: AbortSignal): Promise<ProbeOutcome> {
  if (!URL.canParse(config.url)) return { status: 'error', detail: 'invalid URL' };
  const started = performance.now();
  const client = await connector({ url: config.url, connectTimeoutMs: REDIS_CONNECT_TIMEOUT_MS });
  // node-redis emits socket errors as events too; without a listener they would crash the process.
  client.on('error', () => undefined);
  const close = () => {
    try {
      client.destroy();
    } catch {
      // Never connected, or already closed.
    }
  };
  signal.addEventListener('abort', close, { once: true });
  try {
    await client.connect();
    const reply = await client.ping();
    const latencyMs = elapsedSince(started);
    const data: Record<string, unknown> = { reply, latencyMs };
    if (config.key === undefined) return { status: 'pass', detail: `${label} ${reply} in ${latencyMs}ms`, data };
    return await checkKey(client, { ...config, key: config.key }, label, data);
  } catch (error) {
    if (signal.aborted) throw error;
    return { status: 'fail', detail: `${label}: ${describeError(error)}` };
  } finally {
    signal.removeEventListener('abort', close);
    close();
  }
}

async function checkKey(
  client: RedisClientLike,
  config: RedisCheckConfig & { key: string },
  label: string,
  data: Record<string, unknown>,
): Promise<ProbeOutcome> {
  const key = JSON.stringify(config.key);
  if (config.equals !== undefined) {
    const value = await client.get(config.key);
    data.value = value;
    if (value === config.equals) return { status: 'pass', detail: `${label}: key ${key} = ${JSON.stringify(value)}`, data };
    const got = value === null ? 'does not exist' : `is ${JSON.stringify(value.slice(0, 60))}`;
    return { status: 'fail', detail: `${label}: key ${key} ${got}, expected ${JSON.stringify(config.equals)}`, data };
  }
  const exists = (await client.exists(config.key)) > 0;
  const wanted = config.exists ?? true;
  data.exists = exists;
  const state = exists ? 'exists' : 'does not exist';
  if (exists === wanted) return { status: 'pass', detail: `${label}: key ${key} ${state}`, data };
  return { status: 'fail', detail: `${label}: key ${key} ${state}, expected it ${wanted ? 'to exist' : 'not to exist'}`, data };
}
