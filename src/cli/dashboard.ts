/** `glidepath dashboard [--url] [--read-only]`: a one-time login to the daemon's dashboard, opened in a browser or printed. */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { requireDaemon } from './daemon-connection.js';
import { releaseOwner } from './owner.js';

interface LoginDocument {
  token: string;
  expiresAt: string;
  role: 'admin' | 'read';
  path: string;
}

// The platform's opener; the URL is an argument, never a shell word.
const OPENER = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';

function openInBrowser(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(OPENER, [url], { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

/** Registers `glidepath dashboard`. */
export function registerDashboard(program: Command, ctx: CliContext): void {
  program
    .command('dashboard')
    .description('open the dashboard in a browser with a one-time login (--url prints the URL instead)')
    .option('--url', 'print the URL instead of opening a browser')
    .option('--read-only', 'a login that may look but not act')
    .action(async (opts: { url?: boolean; readOnly?: boolean }) => {
      const daemon = await requireDaemon(ctx.loadPlan());
      const login = await daemon.client.post<LoginDocument>('/v1/dashboard/logins', { role: opts.readOnly ? 'read' : 'admin', who: releaseOwner(ctx.cwd, ctx.env).slice(0, 100) });
      const url = `${daemon.info.url}${login.path}`;
      const document = { url, role: login.role, expiresAt: login.expiresAt };
      if (opts.url || ctx.out.json) {
        ctx.out.result(document, () => url);
        return;
      }
      const opened = await openInBrowser(url);
      ctx.out.result(document, () => (opened ? `opened the dashboard (${login.role}); the login works once, until ${login.expiresAt}` : `open this URL (it works once, until ${login.expiresAt}):\n${url}`));
    });
}
