import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/** `npm run test:long`: the scenarios too long for `npm test` (`*.long.test.ts`), on the same harness. */
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/**/*.long.test.ts'],
    exclude: configDefaults.exclude,
  },
});
