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

/** The package's own entry points: the core and the adapters. */
const entries = {
  index: 'src/index.ts',
  'connector-kit': 'src/connector-kit.ts',
  'sheets/index': 'src/sheets/index.ts',
  'jira/index': 'adapters/jira/index.ts',
  'azure-devops/index': 'adapters/azure-devops/index.ts',
};

/**
 * Declarations: `syncbridge/...` imports stay imports (the `external` above), and the core's
 * entries (`syncbridge`, `connector-kit`, `sheets`) are built together, their shared
 * declarations going to shared chunks, so each public type is declared once. The paths let the
 * compiler see the sources behind those names while it infers types (otherwise it would look
 * for `dist`, which may not be built yet, and infer `any`).
 */
const dts = (entry: Record<string, string>): Options['dts'] => ({
  entry,
  compilerOptions: {
    paths: {
      syncbridge: ['./src/index.ts'],
      'syncbridge/connector-kit': ['./src/connector-kit.ts'],
      'syncbridge/sheets': ['./src/sheets/index.ts'],
      'syncbridge/testing/kit': ['./src/testing/kit.ts'],
    },
  },
});

const testing = {
  'testing/index': 'src/testing/index.ts',
  'testing/kit': 'src/testing/kit.ts',
  'testing/jira': 'adapters/jira/simulator/index.ts',
  'testing/azure-devops': 'adapters/azure-devops/simulator/index.ts',
};

export default defineConfig([
  // The core, its entries and the adapters as ES modules, with the one set of declarations (the
  // package's `types` serve `require` too: a second `.d.cts` copy would make every class a
  // different type). The CLI (run by the `syncbridge` bin) is built with them: it reaches the
  // core's internals by relative imports and shares the core's chunks, so one copy of the core
  // is loaded at run time.
  { ...shared, entry: { ...entries, 'cli/main': 'src/cli/main.ts' }, format: ['esm'], dts: dts(entries) },
  // ... and as CommonJS.
  { ...shared, entry: entries, format: ['cjs'] },
  // The test kit imports vitest, which is ES-module only; the simulator kit and simulators go with it.
  { ...shared, entry: testing, format: ['esm'], dts: dts(testing) },
]);
