import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  // Layers: imports run down only. Nothing in src/ (but the CLI, the composition root) knows workers/ or
  // the CLI; workers/ never reach into the CLI; core/ is pure logic with no I/O and no adapters.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/workers/**'],
              message: 'src/ must not import workers/ (processors call src/, not the reverse)',
            },
            { group: ['**/cli/**', '../cli/*', './cli/*'], message: 'only the CLI imports the CLI' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                '!node:crypto',
                '../*/**',
                '!../core/**',
                'ioredis',
                'bullmq',
                'simple-git',
                '@aws-sdk/*',
                '@octokit/*',
                'fastify',
              ],
              message:
                'src/core is pure: no I/O, no adapters (put side effects in src/<system>/ and pass results in)',
            },
            { group: ['**/workers/**', '**/cli/**'], message: 'src/ must not import workers/ or the CLI' },
          ],
        },
      ],
    },
  },
  {
    files: ['workers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/cli/**'], message: 'workers/ must not import the CLI' }] },
      ],
    },
  },
  {
    files: ['src/cli/output.ts', 'bin/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
