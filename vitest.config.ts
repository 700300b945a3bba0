import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Adapters and tests import the package by its public names, as users do.
    alias: [
      { find: /^syncbridge$/, replacement: here('./src/index.ts') },
      { find: /^syncbridge\/connector-kit$/, replacement: here('./src/connector-kit.ts') },
      { find: /^syncbridge\/sheets$/, replacement: here('./src/sheets/index.ts') },
      { find: /^syncbridge\/testing$/, replacement: here('./src/testing/index.ts') },
      { find: /^syncbridge\/testing\/kit$/, replacement: here('./src/testing/kit.ts') },
      { find: /^syncbridge\/testing\/jira$/, replacement: here('./adapters/jira/simulator/index.ts') },
      { find: /^syncbridge\/testing\/azure-devops$/, replacement: here('./adapters/azure-devops/simulator/index.ts') },
      { find: /^syncbridge\/jira$/, replacement: here('./adapters/jira/index.ts') },
      { find: /^syncbridge\/azure-devops$/, replacement: here('./adapters/azure-devops/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'adapters/**/*.test.ts'],
    // The chaos run's short form (`npm run test:chaos`) is out of `npm test` while it still finds
    // label removals undone after an interrupted create (issue 13): it fails some runs, not all.
    exclude: process.env.SYNCBRIDGE_CHAOS ? configDefaults.exclude : [...configDefaults.exclude, 'test/chaos/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
