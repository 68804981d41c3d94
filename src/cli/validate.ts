/** `glidepath validate`: parse and check a plan. */
import type { Command } from 'commander';
import { EXIT } from '../shared/errors.js';
import type { CliContext } from './context.js';

/** Registers `glidepath validate`. */
export function registerValidate(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description('parse and check a plan; errors name file:line:column and the key path')
    .action(() => {
      const { plan, file } = ctx.loadPlan();
      const sections = Object.keys(plan).filter((key) => {
        const value = plan[key as keyof typeof plan];
        return value !== undefined && !(Array.isArray(value) && value.length === 0) && !(typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);
      });
      ctx.out.result({ valid: true, file, service: plan.service, sections }, () => `${ctx.displayPath(file)}: valid plan for ${plan.service} (${sections.join(', ')})`);
      ctx.setExit(EXIT.ok);
    });
}
