// Dependency rules for glidepath: "a folder is a concept, dependencies point down" (docs: /work/shared/STYLE.md).
// Run with `depcruise src --config .dependency-cruiser.cjs` (part of `npm run lint`).
// Rules may name folders that do not exist yet; they start to bite when the folder appears.

/** Test code: colocated tests, plugin contract suites, shared fakes, and end-to-end scenarios. */
const TEST_CODE = ['\\.test\\.ts$', '\\.contract\\.ts$', '^src/testing/', '^test/'];

/** Plugin kinds: `src/<kind>s/<kind>.ts` is the interface, `registry.ts` the static map, one folder per implementation. */
const PLUGIN_KINDS = '(checks|targets|metrics|notifiers|backups)';

/**
 * The layers of src/, top to bottom. A folder may import its own files and the folders of any layer below its
 * own; never a folder of its own layer or of a layer above. Folders named here that do not exist yet (from
 * STYLE.md's layout) start to bite when they appear; a folder of src/ missing from this list fails
 * test/house/layering.test.ts, so every new concept gets a place.
 */
const LAYERS = [
  ['cli'], //                                   verbs: parse, call, print
  ['daemon'], //                                composition root: wires everything, starts servers
  ['api', 'records', 'demo', 'web', 'exports'], // what the daemon serves and reports, and hands to others
  ['dashboard'], //                             the browser's way in: page, logins, sessions (the API registers it)
  ['engine', 'alerts', 'jobs', 'monitors'], //  what decides and acts over time
  ['analysis'], //                              measurements judged by assess()
  ['metrics'], //                               metric providers: read the targets' built-in metrics, checks, Prometheus
  ['backups', 'migrations', 'targets', 'notifiers'], // plugin kinds the engine drives
  ['preflight', 'supervisor', 'load'], //       runners shared by several kinds
  ['plan'], //                                  the plan file: schema, loading, references
  ['checks', 'proxy', 'store', 'scheduler'], // probes, the data plane, persistence, timing
  ['exec'], //                                  child processes
  ['shared'], //                                errors, clock, durations: imports nothing of src
];

/** One forbidden rule per layer: from a folder of layer i to any folder of layer ≤ i other than itself. */
function layerRules() {
  return LAYERS.flatMap((layer, index) => {
    const higherOrSame = LAYERS.slice(0, index + 1).flat();
    return layer.map((folder) => ({
      name: `layer-${folder}`,
      comment:
        `src/${folder} is in layer ${index + 1} of ${LAYERS.length} (${layer.join(', ')}); it may import only ` +
        `layers below it: ${LAYERS.slice(index + 1).map((l) => l.join('|')).join(' > ') || 'none (packages only)'}.`,
      severity: 'error',
      from: { path: `^src/${folder}/`, pathNot: TEST_CODE },
      to: { path: `^src/(${higherOrSame.filter((f) => f !== folder).join('|')})/` },
    }));
  });
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // ── layering: one ordered list (LAYERS above); a folder imports only folders of lower layers ──
    ...layerRules(),
    {
      name: 'cli-is-a-leaf',
      comment: 'Nothing imports src/cli except src/cli itself (CLI verbs are thin: parse, call, print).',
      severity: 'error',
      from: { pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
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
      name: 'one-postgres-client',
      comment:
        'The pg client is reached through src/shared/postgres-client.ts (one narrow type, injected); only the ' +
        "store's Kysely dialect, which hands Kysely a pg Pool of its own, loads pg besides.",
      severity: 'error',
      from: { path: '^src/', pathNot: [...TEST_CODE, '^src/shared/postgres-client\\.ts$', '^src/store/store-dialect\\.ts$'] },
      to: { path: '(^|/)node_modules/(@types/)?pg/' },
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
      name: 'target-implementations-through-registry',
      comment:
        'Outside src/targets, a concrete target is reached only through src/targets/registry.ts; the daemon and ' +
        'the engine ask a target what it can do by its properties (target.ts), never by its class.',
      severity: 'error',
      from: { path: '^src/', pathNot: [...TEST_CODE, '^src/targets/'] },
      to: { path: '^src/targets/[^/]+/' },
    },
    {
      name: 'supervisor-is-no-target',
      comment:
        'src/supervisor runs local version processes for any target (process, nginx, command); it knows no target.',
      severity: 'error',
      from: { path: '^src/supervisor/', pathNot: TEST_CODE },
      to: { path: '^src/(targets|proxy)/' },
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

// The layer list, for the test that checks every folder of src/ has a layer (not part of the config's schema).
Object.defineProperty(module.exports, 'layers', { value: LAYERS, enumerable: false });
