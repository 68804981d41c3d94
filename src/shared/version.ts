/** glidepath's own version, from its package.json (the same relative path from src/ and dist/). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** glidepath's own version, from its package.json. */
export function glidepathVersion(): string {
  if (cached === undefined) {
    try {
      cached = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}
