/** Asking a person to confirm, at a terminal only; scripts pass --yes. */
import { createInterface } from 'node:readline/promises';
import type { Confirmer } from '../preflight/preflight.js';
import type { CliContext } from './context.js';

/** The confirmer for this invocation: `--yes`, a terminal prompt, or none when nobody can answer. */
export function confirmerFor(ctx: CliContext, yes: boolean): Confirmer {
  if (yes) return { mode: 'yes' };
  if (!ctx.streams.stdin.isTTY) return { mode: 'none' };
  return {
    mode: 'ask',
    ask: async (statement) => {
      const rl = createInterface({ input: ctx.streams.stdin, output: ctx.streams.stderr as NodeJS.WritableStream, terminal: true });
      try {
        const answer = await rl.question(`? ${statement} — confirm [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}
