import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  target: 'node22',
  platform: 'node',
  sourcemap: true,
  splitting: true,
  // Entry points reach each other by package name, so one copy of the core is loaded at run time.
  external: [/^syncbridge(\/.*)?$/, 'vitest', 'msw', /^msw\//, 'exceljs'],
  tsconfig: 'tsconfig.build.json',
  // Keep `node:` on imports: `node:sqlite` exists only under that name.
  removeNodeProtocol: false,
};

export default defineConfig([
  // The core and the adapters: ES modules and CommonJS, with types.
  {
    ...shared,
    entry: { index: 'src/index.ts', 'jira/index': 'adapters/jira/index.ts', 'azure-devops/index': 'adapters/azure-devops/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
  },
  // The test kit imports vitest, which is ES-module only; the simulator kit and simulators go with it.
  {
    ...shared,
    entry: { 'testing/index': 'src/testing/index.ts', 'testing/kit': 'src/testing/kit.ts', 'testing/jira': 'adapters/jira/simulator/index.ts', 'testing/azure-devops': 'adapters/azure-devops/simulator/index.ts' },
    format: ['esm'],
    dts: true,
  },
  // The CLI, run by the `syncbridge` bin (top-level await).
  { ...shared, entry: { 'cli/main': 'src/cli/main.ts' }, format: ['esm'] },
]);
