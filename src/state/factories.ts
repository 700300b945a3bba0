import type { StateSettings } from '../config/schema.js';
import { memoryStore } from './memory-store.js';
import { postgresStore } from './postgres-store.js';
import { sqliteStore } from './sqlite-store.js';
import type { StateStoreFactory } from './state-store.js';

/**
 * The factory of the state store a configuration's `state` names (`sqlite`, `postgres`,
 * `memory` or a factory of your own), as `createSyncbridge()` and `syncbridge migrate` open it.
 */
export function stateStoreFactory(state: StateSettings): StateStoreFactory {
  if (typeof state.store === 'function') return state.store;
  if ('path' in state) return sqliteStore({ path: state.path });
  if ('url' in state)
    return postgresStore({
      connectionString: state.url,
      schema: state.schema,
      maxConnections: state.maxConnections,
      migrate: state.migrate,
    });
  return memoryStore();
}
