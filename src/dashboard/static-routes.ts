/** Serving the built dashboard: the page at `/`, its hashed assets under `/assets/`, compressed and cached. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadBundle, pickEncoding, type StaticAsset } from './static-assets.js';

// The page loads only its own scripts and styles and talks only to its own daemon; nobody may frame it.
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function send(request: FastifyRequest, reply: FastifyReply, asset: StaticAsset) {
  void reply.headers({ 'content-type': asset.type, etag: asset.etag, vary: 'accept-encoding', 'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache' });
  if (asset.type.startsWith('text/html')) void reply.headers(PAGE_HEADERS);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  const encoding = pickEncoding(request.headers['accept-encoding'], asset);
  if (encoding) void reply.header('content-encoding', encoding);
  return reply.send(encoding === 'br' ? asset.brotli : encoding === 'gzip' ? asset.gzip : asset.body);
}

/** Registers `/` and `/assets/*` from the bundle in `bundleDir` (default: the package's dist/web). */
export function registerStaticAssets(app: FastifyInstance, bundleDir?: string): void {
  const bundle = loadBundle(bundleDir);
  const schema = { hide: true } as const;
  app.get('/', { config: { access: 'public' }, schema }, async (request, reply) => {
    const page = bundle.get('/index.html');
    if (!page) return reply.code(503).type('text/plain; charset=utf-8').send('the dashboard is not built into this copy of glidepath (npm run build makes it)\n');
    return send(request, reply, page);
  });
  app.get<{ Params: { '*': string } }>('/assets/*', { config: { access: 'public' }, schema }, async (request, reply) => {
    const asset = bundle.get(`/assets/${request.params['*']}`);
    if (!asset) return reply.code(404).send({ error: { code: 'not_found', message: `no dashboard asset ${request.url.split('?')[0] ?? ''}` } });
    return send(request, reply, asset);
  });
}
