import { describe, expect, it } from 'vitest';
import { fillConfigPlaceholders, fillPlaceholders } from './placeholders.js';

const variables = { url: 'http://127.0.0.1:41234', service_url: 'http://127.0.0.1:8080', version: '1.2.0', port: '41234' };

describe('placeholders', () => {
  it('fills known names and leaves the rest', () => {
    expect(fillPlaceholders('{url}/health?v={version}&p={port} via {service_url}', variables)).toBe(
      'http://127.0.0.1:41234/health?v=1.2.0&p=41234 via http://127.0.0.1:8080',
    );
    expect(fillPlaceholders('{unknown} {url', variables)).toBe('{unknown} {url');
    expect(fillPlaceholders('{"a": 1, "b": "{version}"}', variables)).toBe('{"a": 1, "b": "1.2.0"}');
    expect(fillPlaceholders('{toString} {constructor}', variables)).toBe('{toString} {constructor}');
  });

  it('fills every string inside a configuration and keeps other values', () => {
    const config = { url: '{url}/x', status: [200, 204], headers: { 'X-Version': '{version}' }, follow: false, maxLatency: 100 };
    expect(fillConfigPlaceholders(config, variables)).toEqual({
      url: 'http://127.0.0.1:41234/x',
      status: [200, 204],
      headers: { 'X-Version': '1.2.0' },
      follow: false,
      maxLatency: 100,
    });
    expect(config.url).toBe('{url}/x');
  });
});
