/** Exclude patterns of a `files` source, with .gitignore-like rules. */

function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      const slashAfter = glob[i + 2] === '/';
      out += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close === -1) out += '\\[';
      else {
        out += `[${glob.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return out;
}

/**
 * A predicate over paths relative to the archived directory (`a/b.txt`): a pattern without a slash matches a
 * name at any depth (`*.log`, `node_modules`); one with a slash matches from the top (`cache/**`, `/tmp`);
 * `**` spans directories. An excluded directory is left out with everything below it.
 */
export function excludeMatcher(patterns: readonly string[]): (relativePath: string) => boolean {
  const tests = patterns
    .map((p) => p.trim().replace(/\/+$/, ''))
    .filter((p) => p !== '')
    .map((p) => {
      const anchored = p.includes('/');
      const body = globToRegExp(p.replace(/^\//, ''));
      return new RegExp(anchored ? `^${body}$` : `(?:^|/)${body}$`);
    });
  return (relativePath) => tests.some((test) => test.test(relativePath));
}
