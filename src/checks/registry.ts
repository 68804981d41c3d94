/** Every check kind glidepath knows, by the key a plan uses for it (`http:`, `tcp:` …). */
import type { z } from 'zod';
import { UnknownPluginError } from '../shared/errors.js';
import type { Check, CheckDeps, CheckFactory } from './check.js';
import { commandCheckSchema, createCommandCheck } from './command/index.js';
import { createDiskCheck, diskCheckSchema } from './disk/index.js';
import { createHttpCheck, httpCheckSchema } from './http/index.js';
import { createPostgresCheck, postgresCheckSchema } from './postgres/index.js';
import { createRedisCheck, redisCheckSchema } from './redis/index.js';
import { createTcpCheck, tcpCheckSchema } from './tcp/index.js';
import { createTlsCheck, tlsCheckSchema } from './tls/index.js';

/** A check kind: the schema of its configuration and the factory that takes the parsed result. */
export interface CheckKindEntry<Schema extends z.ZodType = z.ZodType> {
  schema: Schema;
  create: CheckFactory<z.output<Schema>>;
}

function entry<Schema extends z.ZodType>(schema: Schema, create: CheckFactory<z.output<Schema>>): CheckKindEntry<Schema> {
  return { schema, create };
}

/** The static map from kind to `{ schema, create }`; plans build their `checks` schema from it. */
export const checkRegistry = {
  http: entry(httpCheckSchema, createHttpCheck),
  tcp: entry(tcpCheckSchema, createTcpCheck),
  postgres: entry(postgresCheckSchema, createPostgresCheck),
  redis: entry(redisCheckSchema, createRedisCheck),
  command: entry(commandCheckSchema, createCommandCheck),
  tls: entry(tlsCheckSchema, createTlsCheck),
  disk: entry(diskCheckSchema, createDiskCheck),
} as const;

/** A key of {@link checkRegistry}. */
export type CheckKind = keyof typeof checkRegistry;

/** Parsed configuration of one kind, as its schema outputs it. */
export type CheckConfig<K extends CheckKind> = z.output<(typeof checkRegistry)[K]['schema']>;

/** The known kinds, in the order the documentation lists them. */
export const CHECK_KINDS = Object.freeze(Object.keys(checkRegistry) as CheckKind[]);

/** Whether a string names a known check kind. */
export function isCheckKind(kind: string): kind is CheckKind {
  return Object.hasOwn(checkRegistry, kind);
}

/**
 * Builds a check from its kind and its configuration as the kind's schema outputs it (already parsed by the
 * plan); throws UnknownPluginError, listing the known kinds, for any other kind.
 */
export function createCheck<K extends CheckKind>(kind: K, config: CheckConfig<K>, deps: CheckDeps): Check;
export function createCheck(kind: string, config: unknown, deps: CheckDeps): Check;
export function createCheck(kind: string, config: unknown, deps: CheckDeps): Check {
  if (!isCheckKind(kind)) throw new UnknownPluginError('check kind', kind, CHECK_KINDS);
  const { create } = checkRegistry[kind] as CheckKindEntry;
  return create(config, deps);
}
