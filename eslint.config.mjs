// Import boundaries encode the one-way data flow from STYLE.md:
// front end (bot, cli) -> gateway (worker/gateway) -> workflow -> activity -> adapter -> world.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

// Product code never imports the sandbox (it installs and starts local tools): tool paths and folders come from
// the config, read by the composition roots.
const noSandbox = {
  group: ['**/sandbox/**'],
  message: 'product code never imports sandbox/: take paths from the config.',
};

const restrict = (patterns, allowTypeImports = false) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    { patterns: patterns.map((p) => ({ ...p, allowTypeImports })) },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'jest.config.js', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      ...restrict([
        {
          group: ['node:*', 'fs', 'path', 'child_process', 'os', 'crypto', 'http', 'https', 'net'],
          message: 'core/ is pure: no Node built-ins.',
        },
        {
          group: [
            '**/adapters/**',
            '**/activities/**',
            '**/workflows/**',
            '**/worker/**',
            '**/bot/**',
            '**/cli/**',
            '**/presentation/**',
            '**/sandbox/**',
            '@aws-sdk/*',
            '@temporalio/*',
            '@slack/*',
            '@kubernetes/*',
          ],
          message: 'core/ depends on nothing but itself (presentation/ renders core types, not the other way).',
        },
      ]),
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      ...restrict(
        [
          {
            group: [
              '**/adapters/**',
              '**/worker/**',
              '**/bot/**',
              '**/cli/**',
              '@aws-sdk/*',
              '@slack/*',
              '@kubernetes/*',
              '@temporalio/client',
              '@temporalio/worker',
              '@temporalio/activity',
            ],
            message: 'workflows are deterministic orchestration: no I/O modules.',
          },
          {
            group: ['**/activities/**'],
            message: 'workflows import activities as types only (proxyActivities<Activities>).',
          },
          {
            group: ['node:*', 'fs', 'path', 'child_process', 'os', 'crypto'],
            message: 'no Node built-ins in workflow code.',
          },
          noSandbox,
        ],
        true,
      ),
    },
  },
  {
    files: ['activities/**/*.ts'],
    rules: {
      ...restrict([
        // '!**/adapters/cli/**' keeps the adapter layer's cli/ folder importable; '**/cli/**' means the front end.
        {
          group: [
            '**/workflows/**',
            '**/worker/**',
            '**/bot/**',
            '**/cli/**',
            '!**/adapters/cli/**',
            '@temporalio/client',
          ],
          message: 'an activity never starts a workflow or calls a front end.',
        },
        noSandbox,
      ]),
    },
  },
  {
    files: ['adapters/**/*.ts'],
    rules: {
      ...restrict([
        {
          // '**/cli/**' means the terminal front end; the adapter layer's own cli/ folder stays importable.
          group: [
            '**/activities/**',
            '**/workflows/**',
            '**/worker/**',
            '**/bot/**',
            '**/cli/**',
            '!**/adapters/cli/**',
            '!../cli/**',
            '@temporalio/*',
          ],
          message: 'adapters only talk to the world.',
        },
        noSandbox,
      ]),
    },
  },
  {
    // Renderers shared by the terminal, the Slack app and the worker's notifier: pure functions from data to
    // text or Block Kit. They may name other layers' types but never call them.
    files: ['presentation/**/*.ts'],
    rules: {
      ...restrict(
        [
          {
            group: [
              '**/adapters/**',
              '**/activities/**',
              '**/workflows/**',
              '**/worker/**',
              '**/bot/**',
              '**/cli/**',
              '@aws-sdk/*',
              '@slack/*',
              '@kubernetes/*',
              '@temporalio/*',
              'node:*',
            ],
            message: 'presentation/ is pure rendering: types only from other layers, no I/O.',
          },
          noSandbox,
        ],
        true,
      ),
    },
  },
  ...[
    // Two front ends over one gateway: neither imports the other (shared renderers live in presentation/).
    { dir: 'bot', other: 'cli' },
    { dir: 'cli', other: 'bot' },
  ].map(({ dir, other }) => ({
    files: [`${dir}/**/*.ts`],
    rules: {
      ...restrict(
        [
          {
            group: ['**/adapters/**', '**/activities/**', '@aws-sdk/*', '@kubernetes/*'],
            message: 'front ends go through the gateway (worker/gateway), never to the world.',
          },
          {
            group: ['**/workflows/**'],
            message: 'front ends only need workflow types (definitions), via the gateway.',
          },
          {
            group: [`**/${other}/**`, '!**/adapters/**'],
            message: `${dir}/ and ${other}/ are separate front ends: share through presentation/, core/ or the gateway.`,
          },
          noSandbox,
        ],
        true,
      ),
    },
  })),
  {
    files: ['worker/**/*.ts'],
    rules: { ...restrict([noSandbox]) },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'sandbox/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
