#!/usr/bin/env node
// Entry point for `npx glidepath`: runs the compiled CLI (built by `npm install` via the prepare script).
import { keepYoungGenerationSmall } from '../dist/cli/young-generation.js';

// Before the CLI's modules load, so that loading them does not grow the young generation either (see the module).
keepYoungGenerationSmall();
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
