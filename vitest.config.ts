import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

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
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
