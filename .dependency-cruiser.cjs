// Dependency rules for glidepath: "a folder is a concept, dependencies point down" (docs: /work/shared/STYLE.md).
// Run with `depcruise src --config .dependency-cruiser.cjs` (part of `npm run lint`).
// Rules may name folders that do not exist yet; they start to bite when the folder appears.

/** Test code: colocated tests, plugin contract suites, shared fakes, and end-to-end scenarios. */
const TEST_CODE = ['\\.test\\.ts$', '\\.contract\\.ts$', '^src/testing/', '^test/'];

/** Plugin kinds: `src/<kind>s/<kind>.ts` is the interface, `registry.ts` the static map, one folder per implementation. */
const PLUGIN_KINDS = '(checks|targets|metrics|notifiers|backups)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // ── layering ──────────────────────────────────────────────────────────────────────────────
    {
      name: 'shared-imports-nothing-above',
      comment: 'src/shared is the bottom layer: it may import itself and packages, nothing else in src.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'cli-is-a-leaf',
      comment: 'Nothing imports src/cli except src/cli itself (CLI verbs are thin: parse, call, print).',
      severity: 'error',
      from: { pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'daemon-is-the-composition-root',
      comment: 'Only src/daemon itself and src/cli may import src/daemon.',
      severity: 'error',
      from: { pathNot: '^src/(daemon|cli)/' },
      to: { path: '^src/daemon/' },
    },
    {
      name: 'testing-only-from-tests',
      comment:
        'src/testing holds fakes for tests; only *.test.ts, *.contract.ts, test/ and src/testing may import it.',
      severity: 'error',
      from: { pathNot: TEST_CODE },
      to: { path: '^src/testing/' },
    },
    {
      name: 'no-test-code-in-production',
      comment: 'Production code must not import test files or contract suites (they import vitest).',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST_CODE },
      to: { path: ['\\.test\\.ts$', '\\.contract\\.ts$', '^test/'] },
    },
    {
      name: 'store-below-plan-cli-engine-checks',
      comment: 'src/store is persistence only; it must not reach up into plan, cli, engine or checks.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(plan|cli|engine|checks)/' },
    },

    // ── plugins ───────────────────────────────────────────────────────────────────────────────
    {
      name: 'plugin-impl-not-to-sibling-impl',
      comment:
        'A plugin implementation (src/<kind>/<impl>/) never imports another implementation of the same kind; ' +
        'share code through the kind folder (src/<kind>/*.ts) or src/shared.',
      severity: 'error',
      from: { path: `^src/${PLUGIN_KINDS}/([^/]+)/` },
      to: { path: '^src/$1/[^/]+/', pathNot: '^src/$1/$2/' },
    },
    {
      name: 'plugin-impl-not-to-engine',
      comment: 'Plugin implementations know their interface, not the engine that drives them.',
      severity: 'error',
      from: { path: `^src/${PLUGIN_KINDS}/[^/]+/` },
      to: { path: '^src/engine/' },
    },
    {
      name: 'engine-only-plugin-interfaces',
      comment:
        'src/engine imports plugins only through src/<kind>s/<kind>.ts (the interface) and registry.ts, ' +
        'never an implementation folder or other kind-level helpers.',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/(check|target|metric|notifier|backup)s/(?!(?:\\1|registry)\\.ts$)' },
    },

    // ── hygiene ───────────────────────────────────────────────────────────────────────────────
    {
      name: 'no-circular',
      comment: 'Circular dependencies make layering meaningless and initialisation order fragile.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import must resolve (a typo, a missing file, or a package not installed).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      comment: 'Packages used from src must be declared in package.json, not picked up transitively.',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-dev-dep',
      comment:
        'Production code ships without devDependencies; move the package to dependencies or the import ' +
        'to test code. Type-only imports (erased at build) and @types packages are fine.',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST_CODE },
      to: {
        dependencyTypes: ['npm-dev'],
        dependencyTypesNot: ['type-only'],
        pathNot: ['node_modules/@types/'],
      },
    },
    {
      name: 'no-deprecated-core',
      comment: 'Deprecated Node core modules.',
      severity: 'error',
      from: {},
      to: {
        dependencyTypes: ['core'],
        path: ['^(node:)?(punycode|domain|constants|sys|_linklist|_stream_wrap)$'],
      },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    // count `import type` too: layering is about what a module knows, not only what it loads
    tsPreCompilationDeps: true,
    // resolve `./foo.js` specifiers to `./foo.ts` the way tsc (NodeNext) does
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
