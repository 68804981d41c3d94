/** Small schema pieces the plan's sections share. */
import { Cron } from 'croner';
import { z } from 'zod';
import { envName, isPort } from '../../shared/value-schemas.js';

/** A name the plan refers to elsewhere (a check, a notifier, a job). */
export const refName = (description: string) =>
  z
    .string({ error: 'expected a name' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'expected a name of letters, digits, ".", "_" or "-"' })
    .describe(description);

/** A traffic weight in percent. */
export const weightPercent = (description: string) =>
  z
    .number({ error: 'expected a number from 0 to 100' })
    .min(0, { error: 'expected a number from 0 to 100' })
    .max(100, { error: 'expected a number from 0 to 100' })
    .describe(description);

/** `host:port` on which something listens; the port from 1 to 65535. */
export const listenAddress = (description: string) =>
  z
    .string({ error: 'expected an address like 127.0.0.1:8080' })
    .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { error: 'expected an address like 127.0.0.1:8080', abort: true })
    .refine((address) => isPort(Number(address.slice(address.lastIndexOf(':') + 1))), { error: 'expected a port from 1 to 65535, as in 127.0.0.1:8080' })
    .describe(description);

/** A command line; split into argv and run without a shell unless the item says `shell: true`. */
export const commandLine = (description: string) =>
  z.string({ error: 'expected a command line' }).min(1, { error: 'expected a command line' }).describe(description);

/** A positive whole number. */
export const positiveInt = (description: string) =>
  z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).positive({ error: 'expected a number above 0' }).describe(description);

/** A whole number from 0 up. */
export const countInt = (description: string) =>
  z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(0, { error: 'expected a number from 0 up' }).describe(description);

/** A cron expression (5 fields, or 6 with seconds), checked by the same library the scheduler uses. */
export const cronExpression = (description: string) =>
  z
    .string({ error: 'expected a cron expression like "0 2 * * *"' })
    .superRefine((text, ctx) => {
      try {
        new Cron(text, { paused: true }).stop();
      } catch (error) {
        const why = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
        ctx.addIssue({ code: 'custom', message: `expected a cron expression like "0 2 * * *" (${why})` });
      }
    })
    .describe(description);

/** An IANA time zone name (`Europe/Berlin`, `UTC`), as the runtime's time-zone database knows it. */
export const timeZone = (description: string) =>
  z
    .string({ error: 'expected a time zone like Europe/Berlin or UTC' })
    .refine(
      (zone) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      },
      { error: 'expected a time zone like Europe/Berlin or UTC (an IANA name)' },
    )
    .describe(description);

/** Environment variables passed to a process; names are POSIX-style (`[A-Za-z_][A-Za-z0-9_]*`). */
export const envMap = (description: string) =>
  z.record(envName(), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a value: text, a number or true/false' }).transform(String)).describe(description);

/**
 * Refinement for objects that must hold exactly one of several keys (a check's kind, a step's form):
 * names the keys expected when none is there, and the clashing ones when several are.
 */
export function exactlyOne(keys: readonly string[], what: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    const present = keys.filter((key) => value[key] !== undefined);
    if (present.length === 1) return;
    const message =
      present.length === 0
        ? `expected ${what}: one of ${keys.join(', ')}`
        : `expected ${what}: only one of ${present.join(', ')}`;
    ctx.addIssue({ code: 'custom', message });
  };
}
