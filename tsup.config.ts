import { defineConfig, type Options } from 'tsup';

/** Every public entry point: the core, the test kit, each adapter and each simulator. */
const library = {
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'jira/index': 'adapters/jira/index.ts',
  'azure-devops/index': 'adapters/azure-devops/index.ts',
  'testing/jira': 'adapters/jira/simulator/index.ts',
  'testing/azure-devops': 'adapters/azure-devops/simulator/index.ts',
};

const shared: Options = {
  target: 'node22',
  platform: 'node',
  sourcemap: true,
  // Entry points reach each other by package name, so one copy of the core is loaded at run time.
  external: [/^syncbridge(\/.*)?$/, 'vitest', 'msw', /^msw\//, 'exceljs'],
  tsconfig: 'tsconfig.build.json',
};

export default defineConfig([
  { ...shared, entry: library, format: ['esm', 'cjs'], dts: true, splitting: true, clean: true },
  // The CLI is an ES module (top-level await), run by the `syncbridge` bin.
  { ...shared, entry: { 'cli/main': 'src/cli/main.ts' }, format: ['esm'], dts: false, clean: false },
]);
