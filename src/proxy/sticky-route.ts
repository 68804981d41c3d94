/** Sticky routing: a user keeps the version a cookie or a header hash chose. */
import { valueOf } from './header-fields.js';
import type { ProxyContext } from './proxy-context.js';
import type { RequestHead } from './request-head.js';
import type { Route } from './router.js';

/** Finds `name`'s value in a Cookie header. */
export function cookieValue(header: string | null, name: string): string | null {
  if (header === null) return null;
  let i = 0;
  while (i < header.length) {
    while (header.charCodeAt(i) === 0x20) i++;
    const semi = header.indexOf(';', i);
    const end = semi < 0 ? header.length : semi;
    const eq = header.indexOf('=', i);
    if (eq > 0 && eq < end && header.slice(i, eq) === name) return header.slice(eq + 1, end).trim();
    i = end + 1;
  }
  return null;
}

function decodeCookie(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The version a request goes to under the sticky mode: the one its cookie names (if it still takes requests),
 * the bucket of its sticky header's hash, or a weighted draw; plus the cookie to set when one was drawn.
 */
export function chooseRoute(ctx: ProxyContext, head: RequestHead): { route: Route | null; setCookie: string | null } {
  const { router, options } = ctx;
  const sticky = options.sticky;
  if (sticky === 'none') return { route: router.choose(null), setCookie: null };
  if (ctx.stickyHeader !== null) return { route: router.choose(valueOf(head, ctx.stickyHeader)), setCookie: null };
  const wanted = cookieValue(valueOf(head, 'cookie'), options.cookieName);
  const kept = wanted === null ? null : router.eligible(decodeCookie(wanted));
  if (kept !== null) return { route: kept, setCookie: null };
  const route = router.choose(null);
  const setCookie =
    route === null
      ? null
      : `${options.cookieName}=${encodeURIComponent(route.state.version)}; Path=/; HttpOnly; SameSite=Lax`;
  return { route, setCookie };
}
