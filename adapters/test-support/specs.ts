import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the vendors' API descriptions are: `SYNCBRIDGE_SPECS_DIR`, else `shared/specs/` beside
 * the repository (the workplace layout), else the workplace's fixed `/work/shared/specs`.
 */
const candidates = [
  process.env.SYNCBRIDGE_SPECS_DIR,
  fileURLToPath(new URL('../../../shared/specs/', import.meta.url)),
  '/work/shared/specs',
].filter((dir): dir is string => !!dir);

/** Reads one of the official API descriptions the simulators' contract tests check against. */
export function loadSpec(name: string): unknown {
  const dir = candidates.find((d) => existsSync(join(d, name)));
  if (!dir)
    throw new Error(
      `API description ${name} not found in ${candidates.join(', ')}; set SYNCBRIDGE_SPECS_DIR to the folder that holds it`,
    );
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown;
}
