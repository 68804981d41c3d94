/**
 * The built dashboard (Vite's output in dist/web), read once into memory with gzip and brotli copies made ahead,
 * so each request is a lookup: hashed assets are cached for a year, the page itself is revalidated every time.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** One file of the bundle with its compressed copies. */
export interface StaticAsset {
  type: string;
  body: Buffer;
  gzip?: Buffer;
  brotli?: Buffer;
  etag: string;
  /** Hashed file names never change content: the browser keeps them. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

/** Where `npm run build` puts the dashboard: dist/web of the package (from src/dashboard or dist/dashboard). */
export const DEFAULT_BUNDLE_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Reads every file of the bundle (URL path → asset); an empty map when the dashboard was not built. */
export function loadBundle(dir: string = DEFAULT_BUNDLE_DIR): Map<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  if (!existsSync(dir)) return assets;
  for (const file of filesUnder(dir)) {
    const ext = extname(file);
    const body = readFileSync(file);
    const urlPath = `/${relative(dir, file).split(sep).join('/')}`;
    const compress = COMPRESSIBLE.has(ext) && body.length > 512;
    assets.set(urlPath, {
      type: TYPES[ext] ?? 'application/octet-stream',
      body,
      gzip: compress ? gzipSync(body, { level: 9 }) : undefined,
      brotli: compress ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) : undefined,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      immutable: urlPath.startsWith('/assets/'),
    });
  }
  return assets;
}

/** The encoding to send for an Accept-Encoding header: brotli, then gzip, else none. */
export function pickEncoding(acceptEncoding: string | undefined, asset: StaticAsset): 'br' | 'gzip' | undefined {
  const accepted = (acceptEncoding ?? '').split(',').map((part) => part.trim().split(';')[0]);
  if (asset.brotli && accepted.includes('br')) return 'br';
  if (asset.gzip && accepted.includes('gzip')) return 'gzip';
  return undefined;
}
