import { configDefaults, defineConfig } from 'vitest/config';

/**
 * `npm test`. Scenarios that take over a minute on two cores (`*.long.test.ts`) run in `npm run test:long`
 * (vitest.long.config.ts), each with a quick version here.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'workers/**/*.test.ts'],
    exclude: [...configDefaults.exclude, '**/*.long.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most tests wait on processes and the network more than they compute: two at a time on two cores.
    maxWorkers: 2,
    // The SDK's notice that future releases need Node 22 is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    globalSetup: ['test/harness/global-setup.ts'],
  },
});
