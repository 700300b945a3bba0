import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  target: 'node22',
  platform: 'node',
  sourcemap: true,
  splitting: true,
  // Entry points reach each other by package name, so one copy of the core is loaded at run time.
  external: [/^syncbridge(\/.*)?$/, 'vitest', 'msw', /^msw\//, 'exceljs', 'pg'],
  tsconfig: 'tsconfig.build.json',
  // Keep `node:` on imports: `node:sqlite` exists only under that name.
  removeNodeProtocol: false,
};

/**
 * Declarations: `syncbridge/...` imports stay imports (the `external` above), so each public
 * type is declared once, in its own entry's `.d.ts`. The paths let the compiler see the
 * sources behind those names while it infers types (otherwise it would look for `dist`, which
 * may not be built yet, and infer `any`).
 */
const dts: Options['dts'] = {
  compilerOptions: {
    paths: {
      syncbridge: ['./src/index.ts'],
      'syncbridge/testing/kit': ['./src/testing/kit.ts'],
    },
  },
};

export default defineConfig([
  // The core and the adapters as ES modules, with the one set of declarations (the package's
  // `types` serve `require` too: a second `.d.cts` copy would make every class a different type).
  {
    ...shared,
    entry: { index: 'src/index.ts', 'jira/index': 'adapters/jira/index.ts', 'azure-devops/index': 'adapters/azure-devops/index.ts' },
    format: ['esm'],
    dts,
  },
  // ... and as CommonJS.
  {
    ...shared,
    entry: { index: 'src/index.ts', 'jira/index': 'adapters/jira/index.ts', 'azure-devops/index': 'adapters/azure-devops/index.ts' },
    format: ['cjs'],
  },
  // The test kit imports vitest, which is ES-module only; the simulator kit and simulators go with it.
  {
    ...shared,
    entry: { 'testing/index': 'src/testing/index.ts', 'testing/kit': 'src/testing/kit.ts', 'testing/jira': 'adapters/jira/simulator/index.ts', 'testing/azure-devops': 'adapters/azure-devops/simulator/index.ts' },
    format: ['esm'],
    dts,
  },
  // The CLI, run by the `syncbridge` bin (top-level await).
  { ...shared, entry: { 'cli/main': 'src/cli/main.ts' }, format: ['esm'] },
]);
