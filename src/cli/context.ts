import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildConnectors } from '../engine/connectors.js';
import { authSecrets } from '../http/client.js';
import { redact } from '../http/redact.js';
import {
  createJsonLogger,
  createSyncbridge,
  loadConfig,
  SyncbridgeError,
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
 * default or `connector`.
 */
export async function factoriesFor(config: SyncbridgeConfig, configFile: string): Promise<ConnectorFactory<unknown>[]> {
  const out: ConnectorFactory<unknown>[] = [];
  for (const kind of new Set(Object.values(config.systems).map((s) => s.adapter))) {
    const builtin = builtins[kind];
    if (builtin) {
      out.push(await builtin());
      continue;
    }
    if (kind.startsWith('.') || isAbsolute(kind)) {
      const mod = (await import(pathToFileURL(resolve(dirname(configFile), kind)).href)) as { default?: ConnectorFactory<unknown>; connector?: ConnectorFactory<unknown> };
      const factory = mod.default ?? mod.connector;
      if (!factory?.create) throw new SyncbridgeError('CONFIG_INVALID', `${configFile}: module "${kind}" exports no connector factory (default export or \`connector\`, made with defineConnector)`);
      // The module's own kind names it; the config refers to it by path.
      out.push({ ...factory, kind });
    }
  }
  return out;
}

/** A logger writing JSON lines to stderr with every configured secret redacted. */
export function cliLogger(io: CliIo, config: SyncbridgeConfig | undefined, level: 'debug' | 'info' | 'warn' | 'error' = 'warn'): Logger {
  const secrets = config ? Object.values(config.systems).flatMap((s) => authSecrets(s.auth)) : [];
  return createJsonLogger({ level, write: (line) => io.stderr(`${line}\n`), redact: (v) => redact(v, secrets) });
}

/** Loads a config file and builds its integration, with the state store it names (relative to the config). */
export async function openIntegration(io: CliIo, file: string, options: { logLevel?: 'debug' | 'info' | 'warn' | 'error' } = {}): Promise<{ sync: Syncbridge; config: SyncbridgeConfig; file: string }> {
  const path = resolve(io.cwd, file);
  const config = await loadConfig(path, { env: io.env });
  const stateConfig = 'path' in config.state ? { ...config, state: { ...config.state, path: resolve(dirname(path), config.state.path) } } : config;
  const sync = await createSyncbridge({ config: stateConfig, connectors: await factoriesFor(config, path), logger: cliLogger(io, config, options.logLevel), configFile: file });
  return { sync, config, file: path };
}

/** Loads a config file and builds a connector per system, without an engine or state. */
export async function connectorsFor(io: CliIo, file: string): Promise<{ config: SyncbridgeConfig; connectors: Record<string, Connector>; path: string }> {
  const path = resolve(io.cwd, file);
  const config = await loadConfig(path, { env: io.env });
  const connectors = buildConnectors(config, { factories: await factoriesFor(config, path), context: { logger: cliLogger(io, config) }, file });
  return { config, connectors, path };
}

/** Opens an integration, runs `fn` on it and closes it, also when `fn` throws. */
export async function withIntegration(io: CliIo, file: string, fn: (sync: Syncbridge) => Promise<void>, logLevel?: 'debug' | 'info' | 'warn' | 'error'): Promise<void> {
  const { sync } = await openIntegration(io, file, logLevel ? { logLevel } : {});
  try {
    await fn(sync);
  } finally {
    await sync.close();
  }
}
