// ESLint flat config for glidepath: type-aware typescript-eslint over src, test, scripts, bench.
// A daemon must not drop a promise, so the promise rules stay on everywhere (STYLE.md, Tests).
import js from '@eslint/js';
import jsdoc from 'eslint-plugin-jsdoc';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Node globals for plain JS (TypeScript files get theirs from @types/node). Kept inline: `globals` is not a
// declared devDependency.
const NODE_GLOBALS = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  AbortController: 'readonly',
  AbortSignal: 'readonly',
};

const TEST_FILES = ['**/*.test.ts', '**/*.contract.ts', 'src/testing/**/*.ts', 'test/**/*.ts'];

// A module past ~300 lines of code does more than one job (STYLE.md: split a file past ~300). Files allowed past
// the limit are named here, each with its reason; the list should shrink, never grow without one.
const MAX_LINES = 300;
const LONG_FILES_WITH_REASON = {};
// Tests hold many small cases of one subject; they get a larger limit, not none.
const MAX_TEST_LINES = 1200;

export default defineConfig(
  {
    name: 'glidepath/ignores',
    ignores: ['dist/', 'node_modules/', 'schema/', 'coverage/', 'scratch/', 'web/dist/'],
  },

  // bin/glidepath.js and other plain JS (this file included): syntax and core rules only, no type information.
  {
    name: 'glidepath/javascript',
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: NODE_GLOBALS },
  },
  {
    name: 'glidepath/commonjs',
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { ...NODE_GLOBALS, require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly' },
    },
  },

  {
    name: 'glidepath/typescript',
    files: ['**/*.ts', '**/*.tsx'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // promises: on, and explicit (they are the point of type-aware lint here)
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',

      // `import type` everywhere (verbatimModuleSyntax makes tsc insist on it too)
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',

      // `_`-prefixed names mark deliberately unused parameters, bindings and rest siblings
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // numbers and booleans read fine in messages; objects and undefined do not
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: false, allowAny: false, allowRegExp: false },
      ],
      // `async` functions that satisfy a Promise-returning interface without awaiting are normal for plugins
      '@typescript-eslint/require-await': 'off',
    },
  },

  // Size, and a TSDoc sentence on everything a module exports (STYLE.md: Names and comments).
  {
    name: 'glidepath/size-and-docs',
    files: ['src/**/*.ts', 'dashboard/src/**/*.{ts,tsx}'],
    ignores: TEST_FILES,
    plugins: { jsdoc },
    rules: {
      'max-lines': ['error', { max: MAX_LINES, skipBlankLines: true, skipComments: true }],
      'jsdoc/require-jsdoc': [
        'error',
        {
          publicOnly: { esm: true, cjs: false },
          require: { FunctionDeclaration: true, ClassDeclaration: true, ArrowFunctionExpression: false },
          contexts: [
            'ExportNamedDeclaration > TSInterfaceDeclaration',
            'ExportNamedDeclaration > TSTypeAliasDeclaration',
            'ExportNamedDeclaration > TSEnumDeclaration',
          ],
          enableFixer: false,
        },
      ],
    },
  },
  ...Object.entries(LONG_FILES_WITH_REASON).map(([file, max]) => ({
    name: `glidepath/long-file:${file}`,
    files: [file],
    rules: { 'max-lines': ['error', { max, skipBlankLines: true, skipComments: true }] },
  })),
  {
    name: 'glidepath/test-size',
    files: TEST_FILES,
    rules: { 'max-lines': ['error', { max: MAX_TEST_LINES, skipBlankLines: true, skipComments: true }] },
  },

  // Tests, contract suites and shared fakes: expect.any(), parsed JSON bodies and the like are `any` by nature.
  {
    name: 'glidepath/tests',
    files: TEST_FILES,
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // vitest's expect(obj.method).toHaveBeenCalled() and the like
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
