/** `glidepath schema`: print the plan's JSON Schema. */
import type { Command } from 'commander';
import { planJsonSchema, planJsonSchemaText } from '../plan/json-schema.js';
import type { CliContext } from './context.js';

/** Registers `glidepath schema`. */
export function registerSchema(program: Command, ctx: CliContext): void {
  program
    .command('schema')
    .description('print the JSON Schema of the plan (editors use it for completion)')
    .action(() => {
      // The schema is itself the JSON document, with or without --json.
      if (ctx.out.json) ctx.out.result(planJsonSchema(), () => '');
      else ctx.write(planJsonSchemaText());
    });
}
