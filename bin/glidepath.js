#!/usr/bin/env node
// Entry point for `npx glidepath`: runs the compiled CLI (built by `npm install` via the prepare script).
// `npx` and npm scripts find `node` in node_modules/.bin first: the Node.js the project brings (package `node`).

// glidepath keeps its state in SQLite through node:sqlite: Node.js 22.16 and newer (package.json `engines`).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 16)) {
  process.stderr.write(
    `glidepath needs Node.js 22.16 or newer; this is Node.js ${process.versions.node} (${process.execPath}).\n` +
      'Run it as `npx glidepath` in the project after `npm install`, which brings a supported Node.js.\n',
  );
  process.exit(3);
}

// Node 22 marks node:sqlite experimental and says so on stderr at first use; glidepath's output stays its own.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const text = typeof warning === 'string' ? warning : warning?.message;
  if (typeof text === 'string' && text.startsWith('SQLite is an experimental feature')) return;
  return emitWarning.call(process, warning, ...rest);
};

const { keepYoungGenerationSmall } = await import('../dist/cli/young-generation.js');
// Before the CLI's modules load, so that loading them does not grow the young generation either (see the module).
keepYoungGenerationSmall();
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
