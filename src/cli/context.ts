import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildConnectors } from '../engine/connectors.js';
import { authSecrets } from '../http/client.js';
import { redact } from '../http/redact.js';
import { didYouMean } from '../util/closest.js';
import {
  ConfigError,
  createJsonLogger,
  createSyncbridge,
  loadConfig,
  type ConfigIssue,
  type Connector,
  type ConnectorFactory,
  type Logger,
  type Syncbridge,
  type SyncbridgeConfig,
} from '../index.js';
import type { CliIo } from './io.js';

/** Built-in adapters, loaded only when a config uses them. */
const builtins: Record<string, () => Promise<ConnectorFactory<unknown>>> = {
  jira: async () => (await import('syncbridge/jira')).jiraConnector,
  'azure-devops': async () => (await import('syncbridge/azure-devops')).azureDevOpsConnector,
};

/**
 * The connector factories a config needs: built-ins by kind, or a module path
 * (`adapter: ./my-connector.js`, relative to the config file) exporting a factory as
 * default or `connector`. Every adapter that is unknown, or whose module is missing, throws
 * on import or exports no factory, is a {@link ConfigError} naming `systems.<id>.adapter`.
 */
export async function factoriesFor(config: SyncbridgeConfig, configFile: string): Promise<ConnectorFactory<unknown>[]> {
  const { factories, issues } = await loadFactories(config, configFile);
  if (issues.length > 0) throw new ConfigError(issues, { file: configFile });
  return factories;
}

async function loadFactories(
  config: SyncbridgeConfig,
  configFile: string,
): Promise<{ factories: ConnectorFactory<unknown>[]; issues: ConfigIssue[] }> {
  const out = new Map<string, ConnectorFactory<unknown>>();
  const issues: ConfigIssue[] = [];
  for (const [id, { adapter: kind }] of Object.entries(config.systems)) {
    if (out.has(kind)) continue;
    const problem = (message: string) => issues.push({ path: `systems.${id}.adapter`, message });
    const builtin = builtins[kind];
    if (builtin) out.set(kind, await builtin());
    else if (kind.startsWith('.') || isAbsolute(kind)) {
      const loaded = await loadModule(resolve(dirname(configFile), kind), kind);
      if (typeof loaded === 'string') problem(loaded);
      // The module's own kind names it; the config refers to it by path.
      else out.set(kind, { ...loaded, kind });
    } else {
      problem(
        `unknown adapter "${kind}"${didYouMean(kind, Object.keys(builtins))} Built in: ${Object.keys(builtins).join(', ')}; or a path to a connector module (./my-connector.js, relative to the config)`,
      );
    }
  }
  return { factories: [...out.values()], issues };
}

/**
 * Loads a config file and runs every check that needs no network, listing every problem
 * as one {@link ConfigError}: the schema, each adapter (built in, or a module that loads and
 * exports a factory), each adapter's options against its schema, TLS files, and whether the
 * state file can be written where `state.path` puts it.
 */
export async function checkOffline(io: CliIo, file: string): Promise<SyncbridgeConfig> {
  const path = resolve(io.cwd, file);
  const config = await loadConfig(path, { env: io.env });
  const { factories, issues } = await loadFactories(config, path);
  const logger = cliLogger(io, config, 'error');
  for (const [id, system] of Object.entries(config.systems)) {
    if (!factories.some((f) => f.kind === system.adapter)) continue;
    try {
      const connectors = buildConnectors({ systems: { [id]: system } }, { factories, context: { logger } });
      await connectors[id]?.close?.();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
    }
  }
  for (const [id, system] of Object.entries(config.systems)) {
    for (const setting of ['caFile', 'certFile', 'keyFile'] as const) {
      const file = system.tls?.[setting];
      if (file !== undefined && !can(resolve(io.cwd, file), constants.R_OK))
        issues.push({
          path: `systems.${id}.tls.${setting}`,
          message: `the file ${file} cannot be read; give the path of a PEM file readable by this process`,
        });
    }
  }
  const state =
    config.state.store === 'sqlite' ? statePathProblem(resolve(dirname(path), config.state.path)) : undefined;
  if (state) issues.push({ path: 'state.path', message: state });
  if (issues.length > 0) throw new ConfigError(issues, { file: path });
  return config;
}

/** Whether this process may access `file` so (`constants.R_OK`, `W_OK`). */
function can(file: string, mode: number): boolean {
  try {
    accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}

/** Why the state store cannot be written at `file`, if it cannot; the store is not created. */
function statePathProblem(file: string): string | undefined {
  let existing = file;
  while (!existsSync(existing)) existing = dirname(existing);
  const writable = (target: string) => can(target, constants.W_OK);
  if (existing !== file) {
    if (!statSync(existing).isDirectory())
      return `${existing} is a file, so the state file ${file} cannot be made below it; set state.path to a place inside a folder`;
    if (!writable(existing))
      return `the folder ${existing} is read-only, so the state file ${file} cannot be made; make it writable or set state.path elsewhere`;
    return undefined;
  }
  if (statSync(file).isDirectory())
    return `${file} is a folder; state.path names the state file itself (.syncbridge/state.db)`;
  if (!writable(file) || !writable(dirname(file)))
    return `the state file ${file} or its folder is read-only; syncbridge writes its state there: make both writable or set state.path elsewhere`;
  return undefined;
}

/** Imports a connector module; what is wrong with it, in words, when it cannot serve. */
async function loadModule(path: string, written: string): Promise<ConnectorFactory<unknown> | string> {
  if (!existsSync(path))
    return `connector module "${written}" not found (looked for ${path}); fix the path, which is relative to the config file`;
  let mod: { default?: ConnectorFactory<unknown>; connector?: ConnectorFactory<unknown> };
  try {
    mod = (await import(pathToFileURL(path).href)) as typeof mod;
  } catch (error) {
    // The user's own code failed: say so, with its message, instead of reporting a syncbridge bug.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return `connector module "${written}" threw while loading (${path}): ${message.split('\n')[0]}; fix the module, then run syncbridge validate`;
  }
  const factory = mod.default ?? mod.connector;
  if (typeof factory?.create !== 'function')
    return `connector module "${written}" exports no connector factory (a default export or \`connector\`, made with defineConnector)`;
  return factory;
}

/** A logger writing JSON lines to stderr with every configured secret redacted. */
export function cliLogger(
  io: CliIo,
  config: SyncbridgeConfig | undefined,
  level: 'debug' | 'info' | 'warn' | 'error' = 'warn',
): Logger {
  const secrets = config ? Object.values(config.systems).flatMap((s) => authSecrets(s.auth)) : [];
  return createJsonLogger({ level, write: (line) => io.stderr(`${line}\n`), redact: (v) => redact(v, secrets) });
}

/** Loads a config file and builds its integration, with the state store it names (relative to the config). */
export async function openIntegration(
  io: CliIo,
  file: string,
  options: { logLevel?: 'debug' | 'info' | 'warn' | 'error' } = {},
): Promise<{ sync: Syncbridge; config: SyncbridgeConfig; file: string }> {
  const path = resolve(io.cwd, file);
  const config = await loadConfig(path, { env: io.env });
  const stateConfig =
    'path' in config.state
      ? { ...config, state: { ...config.state, path: resolve(dirname(path), config.state.path) } }
      : config;
  const sync = await createSyncbridge({
    config: stateConfig,
    connectors: await factoriesFor(config, path),
    logger: cliLogger(io, config, options.logLevel),
    configFile: file,
  });
  return { sync, config, file: path };
}

/** Loads a config file and builds a connector per system, without an engine or state. */
export async function connectorsFor(
  io: CliIo,
  file: string,
): Promise<{ config: SyncbridgeConfig; connectors: Record<string, Connector>; path: string }> {
  const path = resolve(io.cwd, file);
  const config = await loadConfig(path, { env: io.env });
  const connectors = buildConnectors(config, {
    factories: await factoriesFor(config, path),
    context: { logger: cliLogger(io, config) },
    file,
  });
  return { config, connectors, path };
}

/** Opens an integration, runs `fn` on it and closes it, also when `fn` throws. */
export async function withIntegration(
  io: CliIo,
  file: string,
  fn: (sync: Syncbridge) => Promise<void>,
  logLevel?: 'debug' | 'info' | 'warn' | 'error',
): Promise<void> {
  const { sync } = await openIntegration(io, file, logLevel ? { logLevel } : {});
  try {
    await fn(sync);
  } finally {
    await sync.close();
  }
}
