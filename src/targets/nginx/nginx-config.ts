/**
 * The nginx configuration glidepath owns for one service, rendered from the versions, their servers and the split:
 * an upstream per version, `split_clients` choosing a version per request (or per cookie, when sticky), and the
 * server block that proxies to the chosen version and logs in glidepath's format. Pure: text in, text out.
 */
import { createHash } from 'node:crypto';

/** One version as rendered: its share in percent and its `host:port` servers. */
export interface RenderedVersion {
  version: string;
  weight: number;
  servers: readonly string[];
}

/** Everything the rendered file depends on. */
export interface NginxConfigInput {
  service: string;
  listen: string;
  /** Absolute path of the access log nginx writes in glidepath's format. */
  accessLog: string;
  /** `none`, `cookie` (a cookie nginx sets) or `cookie:<name>` (an existing cookie). */
  sticky: string;
  /** False: `keepalive_timeout 0`, each client connection closed after its answer (no reset across reloads). */
  clientKeepalive?: boolean;
  versions: readonly RenderedVersion[];
}

/**
 * Where nginx answers the generation of the file its workers run (a hash of the rest of the file), from loopback
 * only: glidepath asks it after a reload until the new workers answer.
 */
export function generationPath(service: string): string {
  return `/.well-known/glidepath/${nginxName(service)}/generation`;
}

/** The line that carries the split, read back by `renderedWeights`. */
const WEIGHTS_MARK = '# glidepath-weights: ';

/** The name part of nginx variables and upstreams for a service: letters, digits and `_`. */
export function nginxName(service: string): string {
  return service.replace(/[^A-Za-z0-9_]/g, '_');
}

/** A percent as nginx's `split_clients` takes it: at most two decimals, no trailing zeros. */
function percent(weight: number): string {
  return `${Number(weight.toFixed(2))}%`;
}

/** The cookie nginx sets when `sticky: cookie`. */
export function stickyCookieName(service: string): string {
  return `glidepath_${nginxName(service)}`;
}

function stickyLines(input: NginxConfigInput, name: string): { key: string; prelude: string[]; upstream: string[]; server: string[] } {
  if (input.sticky === 'none') return { key: '${request_id}', prelude: [], upstream: [], server: [] };
  const own = input.sticky === 'cookie';
  const cookie = own ? stickyCookieName(input.service) : input.sticky.slice('cookie:'.length);
  // A request without the cookie is split on its request id, so it still lands on the split's share.
  const prelude = [`map $cookie_${cookie} $glidepath_${name}_key {`, '    "" $request_id;', `    default $cookie_${cookie};`, '}', ''];
  const upstream = [`    hash $glidepath_${name}_key consistent;`];
  if (!own) return { key: `$glidepath_${name}_key`, prelude, upstream, server: [] };
  prelude.push(`map $cookie_${cookie} $glidepath_${name}_set_cookie {`, `    "" "${cookie}=$request_id; Path=/; HttpOnly; SameSite=Lax";`, '    default "";', '}', '');
  return { key: `$glidepath_${name}_key`, prelude, upstream, server: [`        add_header Set-Cookie $glidepath_${name}_set_cookie always;`] };
}

/**
 * The file's text. Versions with a share get a `split_clients` line (the last one `*`, so rounding never leaves a
 * gap); a version with 0 is left out of the split (nginx refuses `weight=0`) but keeps its upstream. Without any
 * share the server answers 503.
 */
export function renderNginxConfig(input: NginxConfigInput): string {
  const name = nginxName(input.service);
  const served = input.versions.filter((v) => v.servers.length > 0);
  const split = served.filter((v) => v.weight > 0);
  const weights = Object.fromEntries(split.map((v) => [v.version, v.weight]));
  const sticky = stickyLines(input, name);
  const lines = [
    `# The nginx configuration of ${input.service}, written by glidepath: every weight change rewrites it; do not edit.`,
    `${WEIGHTS_MARK}${JSON.stringify(weights)}`,
    '',
    `log_format glidepath_${name} '$msec "$glidepath_${name}_version" $status $request_time';`,
    '',
    ...sticky.prelude,
  ];
  served.forEach((v, i) => {
    lines.push(`upstream glidepath_${name}_${i} {`, ...sticky.upstream, ...v.servers.map((s) => `    server ${s};`), '    keepalive 16;', '}', '');
  });
  lines.push(`split_clients "${sticky.key}" $glidepath_${name}_version {`);
  split.forEach((v, i) => lines.push(`    ${i === split.length - 1 ? '*' : percent(v.weight)} "${v.version}";`));
  if (split.length === 0) lines.push('    * "";');
  lines.push('}', '', `map $glidepath_${name}_version $glidepath_${name}_upstream {`, '    default "";');
  served.forEach((v, i) => lines.push(`    "${v.version}" glidepath_${name}_${i};`));
  lines.push('}', '', 'server {', `    listen ${input.listen};`, `    access_log ${input.accessLog} glidepath_${name};`, ...(input.clientKeepalive === false ? ['    keepalive_timeout 0;'] : []), '    location / {');
  const locationAt = lines.length - 1;
  if (split.length === 0) lines.push('        return 503;');
  else {
    lines.push(
      `        proxy_pass http://$glidepath_${name}_upstream;`,
      '        proxy_http_version 1.1;',
      '        proxy_set_header Connection "";',
      '        proxy_set_header Host $host;',
      '        proxy_next_upstream error timeout;',
      ...sticky.server,
    );
  }
  lines.push('    }', '}', '');
  const generation = createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
  // glidepath asks from loopback, or from the listen address itself when nginx listens on one address only.
  const host = listenHost(input.listen);
  const ownAddress = /^[0-9.]+$|:/.test(host) && !['0.0.0.0', '::', '::1'].includes(host) && !host.startsWith('127.');
  const allowed = ['127.0.0.0/8', '::1', ...(ownAddress ? [host] : [])];
  lines.splice(
    locationAt,
    0,
    `    location = ${generationPath(input.service)} {`,
    '        access_log off;',
    ...allowed.map((address) => `        allow ${address};`),
    '        deny all;',
    `        return 200 "${generation} $pid\\n";`,
    '    }',
  );
  return lines.join('\n');
}

/** The host of a `listen` address, brackets of an IPv6 address removed. */
function listenHost(listen: string): string {
  return listen.slice(0, listen.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
}

/** The generation a rendered file's workers answer at `generationPath`, or undefined for another file. */
export function renderedGeneration(text: string): string | undefined {
  return /^ {8}return 200 "([0-9a-f]{16}) \$pid\\n";$/m.exec(text)?.[1];
}

/** The URL glidepath asks for the generation: the listen address, or loopback where nginx listens on all. */
export function generationUrl(listen: string, service: string): string {
  const host = listenHost(listen);
  const port = listen.slice(listen.lastIndexOf(':') + 1);
  const reachable = host === '0.0.0.0' || host === '*' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachable}:${port}${generationPath(service)}`;
}

/** The split a rendered file applies, read from its weights line; undefined for a file glidepath did not write. */
export function renderedWeights(text: string): Record<string, number> | undefined {
  const line = text.split('\n').find((l) => l.startsWith(WEIGHTS_MARK));
  if (line === undefined) return undefined;
  try {
    const data = JSON.parse(line.slice(WEIGHTS_MARK.length)) as unknown;
    if (data === null || typeof data !== 'object' || Array.isArray(data) || !Object.values(data).every((v) => typeof v === 'number')) return undefined;
    return data as Record<string, number>;
  } catch {
    return undefined;
  }
}

/**
 * The `host:port` servers of each version a rendered file routes to (its upstreams, whether the version has a
 * share or not); undefined for a file glidepath did not write.
 */
export function renderedServers(text: string): Record<string, string[]> | undefined {
  if (renderedWeights(text) === undefined) return undefined;
  const upstreams = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const opened = /^upstream (\S+) \{$/.exec(line);
    if (opened) upstreams.set(opened[1] as string, (current = []));
    else if (line === '}') current = undefined;
    else if (current) {
      const server = /^ {4}server (\S+);$/.exec(line);
      if (server) current.push(server[1] as string);
    }
  }
  const servers: Record<string, string[]> = {};
  for (const [, version, upstream] of text.matchAll(/^ {4}"([^"]+)" (glidepath_\S+);$/gm)) {
    const found = upstreams.get(upstream as string);
    if (found) servers[version as string] = found;
  }
  return servers;
}
