import { resolve, dirname } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type Logger } from '../../index.js';
import { stateStoreFactory } from '../../state/factories.js';
import { cliLogger } from '../context.js';
import type { CliIo } from '../io.js';

/**
 * `migrate`: brings the configured state store's schema to this syncbridge's version (stores
 * migrate on start too, unless PostgreSQL's `migrate: false` leaves it to this command).
 */
export function registerMigrateCommand(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description(
      'apply pending migrations of the state store the configuration names (SQLite file or PostgreSQL schema)',
    )
    .argument('[config]', 'configuration file', 'syncbridge.yaml')
    .action(async (file: string) => {
      const path = resolve(io.cwd, file);
      const config = await loadConfig(path, { env: io.env });
      const state =
        'path' in config.state
          ? { ...config.state, path: resolve(dirname(path), config.state.path) }
          : 'url' in config.state
            ? { ...config.state, migrate: true }
            : config.state;
      const base = cliLogger(io, config);
      let applied: unknown[] = [];
      const logger: Logger = {
        ...base,
        info: (message, fields) => {
          if (message === 'migrated the state schema') applied = fields?.versions as unknown[];
        },
      };
      // Records of a file from before integration scopes belong to the integration the CLI runs: `default`.
      const store = await stateStoreFactory(state)({ integration: 'default', logger });
      await store.close();
      const where =
        'path' in state ? state.path : 'url' in state ? `PostgreSQL schema ${state.schema}` : 'the state store';
      io.stdout(
        applied.length > 0
          ? `${where}: applied migration${applied.length > 1 ? 's' : ''} ${applied.join(', ')}\n`
          : `${where}: the schema is current\n`,
      );
    });
}
