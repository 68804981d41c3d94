import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { UnknownPluginError } from '../shared/errors.js';
import { CHECK_KINDS, checkRegistry, createCheck, isCheckKind } from './registry.js';

const deps = { cwd: process.cwd(), variables: {} };

describe('check registry', () => {
  it('lists every kind', () => {
    expect(CHECK_KINDS).toEqual(['http', 'tcp', 'postgres', 'redis', 'command', 'tls', 'disk']);
    expect(Object.isFrozen(CHECK_KINDS)).toBe(true);
    expect(isCheckKind('http')).toBe(true);
    expect(isCheckKind('toString')).toBe(false);
  });

  it('creates a check of the named kind from parsed configuration', () => {
    const config = checkRegistry.tcp.schema.parse({ port: 5432 });
    const check = createCheck('tcp', config, deps);
    expect(check.kind).toBe('tcp');
    for (const kind of CHECK_KINDS) expect(typeof checkRegistry[kind].create).toBe('function');
  });

  it('throws UnknownPluginError listing the known kinds', () => {
    expect(() => createCheck('grpc', {}, deps)).toThrow(UnknownPluginError);
    expect(() => createCheck('grpc', {}, deps)).toThrow(
      'unknown check kind "grpc"; known: http, tcp, postgres, redis, command, tls, disk',
    );
  });

  it('describes every field of every schema, for the reference docs and the JSON Schema', () => {
    for (const kind of CHECK_KINDS) {
      const schema = z.toJSONSchema(checkRegistry[kind].schema, { io: 'input', unrepresentable: 'any' }) as {
        description?: string;
        properties: Record<string, { description?: string }>;
        additionalProperties?: boolean;
      };
      expect(schema.description, kind).toBeTruthy();
      expect(schema.additionalProperties, kind).toBe(false);
      for (const [field, property] of Object.entries(schema.properties)) {
        expect(property.description, `${kind}.${field}`).toBeTruthy();
      }
    }
  });
});
