import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { configSchema, referenceIssues, type SyncbridgeConfig, type SyncbridgeConfigInput } from './schema.js';
import { didYouMean } from '../util/closest.js';
import { schemaKeys } from './schema-keys.js';

let knownConfigKeys: Set<string> | undefined;
const configKeys = () => (knownConfigKeys ??= schemaKeys(configSchema));

const secretPath = /(^|\.)(auth|password|token|apiToken|accessToken|passphrase|caPem|url|secret)(\.|\[|$)/i;

/** Renders a path array as `mappings[1].fields[3].direction`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function render(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Turns zod issues into {@link ConfigIssue}s with readable paths; values under secret keys are
 * never rendered. An unknown key is reported at its own path, with the known key it most likely
 * misspells (from `knownKeys`) — a typo must not silently turn a setting off.
 */
export function issuesFromZod(
  error: z.ZodError,
  input: unknown,
  prefix: readonly PropertyKey[] = [],
  knownKeys: Iterable<string> = [],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const visit = (issues: z.core.$ZodIssue[], base: readonly PropertyKey[]) => {
    for (const issue of issues) {
      const path = [...base, ...issue.path];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          out.push({
            path: formatPath([...prefix, ...path, key]),
            message: `unknown key${didYouMean(key, knownKeys)}`,
          });
        }
        continue;
      }
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        // Report the branch that got furthest (the discriminated or longest path), not every branch.
        const best = issue.errors.reduce((a, b) =>
          Math.max(0, ...b.map((i) => i.path.length)) > Math.max(0, ...a.map((i) => i.path.length)) ? b : a,
        );
        if (best.some((i) => i.path.length > 0)) {
          visit(best, path);
          continue;
        }
      }
      const formatted = formatPath([...prefix, ...path]);
      const found = secretPath.test(formatted) ? undefined : render(valueAt(input, path));
      out.push({ path: formatted, message: issue.message, ...(found === undefined ? {} : { found }) });
    }
  };
  visit(error.issues, []);
  return out;
}

/**
 * Replaces `${env:NAME}` references (also `${env:NAME:-fallback}`) in every string of a
 * document. Missing or empty variables are collected as issues, never guessed.
 */
export function resolveEnvReferences(
  input: unknown,
  env: NodeJS.ProcessEnv = process.env,
): { value: unknown; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const walk = (value: unknown, path: PropertyKey[]): unknown => {
    if (typeof value === 'string') {
      return value.replace(
        /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
        (_, name: string, fallback: string | undefined) => {
          // As in the shell's `${NAME:-fallback}`, an empty variable counts as unset.
          const resolved = env[name] || fallback;
          if (resolved === undefined)
            issues.push({
              path: formatPath(path),
              message: `environment variable ${name} is ${env[name] === undefined ? 'not set' : 'empty'}`,
            });
          return resolved ?? '';
        },
      );
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return value;
  };
  return { value: walk(input, []), issues };
}

/**
 * Validates a configuration object, resolving environment references first. Throws a
 * {@link ConfigError} listing every problem by path.
 */
export function validateConfig(
  input: unknown,
  options: { file?: string; env?: NodeJS.ProcessEnv } = {},
): SyncbridgeConfig {
  const { value, issues } = resolveEnvReferences(input, options.env);
  const parsed = configSchema.safeParse(value);
  // The schema skips its cross-reference checks when anything else failed; run them anyway so every problem shows.
  const references = parsed.success
    ? []
    : referenceIssues(value).map((i) => ({ path: formatPath(i.path), message: i.message }));
  const seen = new Set<string>();
  // A missing variable already explains whatever the schema says about the empty value it left.
  const schemaIssues = parsed.success
    ? []
    : issuesFromZod(parsed.error, value, [], configKeys()).filter((i) => !issues.some((e) => e.path === i.path));
  const all = [...issues, ...schemaIssues, ...references].filter(
    (i) => !seen.has(`${i.path}\u0000${i.message}`) && seen.add(`${i.path}\u0000${i.message}`),
  );
  if (all.length > 0 || !parsed.success)
    throw new ConfigError(all, options.file === undefined ? {} : { file: options.file });
  return parsed.data;
}

/** Parses YAML text into a plain object; syntax errors become issues with line and column. */
export function parseYaml(text: string, file?: string): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      // The parser's message ends with the position too; the path says it once.
      doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
        message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ''),
      })),
      file === undefined ? {} : { file },
    );
  }
  return doc.toJS();
}

const moduleExtensions = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/** Why a config module failed to load, and what to do, in the words of a config problem. */
function moduleProblem(error: unknown, ext: string): string {
  const { code, message } = error as { code?: string; message?: string };
  const typescript = ext.endsWith('ts');
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && typescript) {
    return `this Node.js (${process.versions.node}) cannot load TypeScript; a TypeScript config needs Node.js 22.18 or newer, which strips types, or write the config in YAML`;
  }
  if (error instanceof SyntaxError && /import statement outside a module|export/.test(message ?? '')) {
    return `the module uses import/export, but the nearest package.json makes ${ext} files CommonJS; name the file ${typescript ? '.mts' : '.mjs'} or set "type": "module" in package.json`;
  }
  return `cannot load the module: ${message ?? String(error)}`;
}

/** Runs a file access, turning its failure into `CONFIG_NOT_FOUND`. */
async function accessing<T>(file: string, access: () => Promise<T>): Promise<T> {
  try {
    return await access();
  } catch (error) {
    throw new ConfigError(
      [{ path: '', message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})` }],
      { file, code: 'CONFIG_NOT_FOUND', cause: error },
    );
  }
}

/**
 * Loads and validates a configuration file: YAML (`.yaml`, `.yml`), JSON, or a module
 * (`.ts`, `.mts`, `.cts`, `.js`, `.mjs`, `.cjs`) whose default export is the config
 * (`defineIntegration()`). Every failure is a {@link ConfigError} naming the file.
 */
export async function loadConfig(file: string, options: { env?: NodeJS.ProcessEnv } = {}): Promise<SyncbridgeConfig> {
  const path = resolve(file);
  const ext = extname(path).toLowerCase();
  let input: unknown;
  if (moduleExtensions.includes(ext)) {
    await accessing(file, () => access(path, constants.R_OK));
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
    } catch (error) {
      throw new ConfigError([{ path: '', message: moduleProblem(error, ext) }], { file, cause: error });
    }
    if (mod.default === undefined)
      throw new ConfigError(
        [
          {
            path: '',
            message: 'the module has no default export; end it with export default defineIntegration({ ... })',
          },
        ],
        { file },
      );
    input = mod.default;
  } else {
    const text = await accessing(file, () => readFile(path, 'utf8'));
    if (ext === '.json') {
      try {
        input = JSON.parse(text);
      } catch (error) {
        throw new ConfigError([{ path: '', message: `not valid JSON: ${(error as Error).message}` }], {
          file,
          cause: error,
        });
      }
    } else input = parseYaml(text, file);
  }
  return validateConfig(input, { file, ...options });
}

/**
 * Declares a configuration in TypeScript with full typing; validated by the same schema
 * as YAML when handed to `createSyncbridge()` or the CLI.
 */
export function defineIntegration(config: SyncbridgeConfigInput): SyncbridgeConfigInput {
  return config;
}
