import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SyncbridgeError } from 'syncbridge';

type Peers = { vitest: typeof import('vitest'); msw: typeof import('msw') };

/** What each optional peer dependency is needed for, said when it is missing. */
const neededFor: Record<keyof Peers, string> = {
  vitest:
    'The shared suites of syncbridge/testing (describeConnectorConformance, runConnectorConformance, describeStateStore) run under vitest',
  msw: "mswHandlers() serves a simulator in process through msw (listen() and 'syncbridge simulate' serve over HTTP without it)",
};

const load = createRequire(import.meta.url);
const loaded: Partial<Peers> = {};

/**
 * An optional peer dependency, loaded the first time it is needed, so that the rest of the
 * test kit (memory systems, simulators over HTTP) works without it. Loaded synchronously
 * (`describe` runs while a test file is collected, `mswHandlers()` returns handlers): its ES
 * module entry is required by path, which yields the instance the user's own `import` got.
 * A missing one is a `DEPENDENCY_MISSING` error saying what to install.
 */
export function peer<Name extends keyof Peers>(name: Name): Peers[Name] {
  const cached = loaded[name];
  if (cached) return cached;
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(name));
  } catch (error) {
    throw new SyncbridgeError(
      'DEPENDENCY_MISSING',
      `${neededFor[name]}, which is not installed: npm install --save-dev ${name} (an optional peer dependency of syncbridge)`,
      {
        cause: error,
        details: { package: name },
      },
    );
  }
  const module = load(entry) as Peers[Name];
  loaded[name] = module;
  return module;
}
