import { validateConfig } from '../config/load.js';
import type { SyncbridgeConfig } from '../config/schema.js';
import { createSyncbridge, type Syncbridge, type SyncbridgeOptions } from '../engine/syncbridge.js';
import type { Logger } from '../logger.js';
import { stateStoreFactory } from '../state/factories.js';
import type { StateStore } from '../state/state-store.js';

/**
 * The engines of one integration in a worker: a job takes an idle one, or a new one while
 * fewer than the jobs running at once exist. Each engine runs one thing at a time and holds
 * its own leases; all share one state store (one connection pool) for the integration.
 */
export class IntegrationSlots {
  readonly config: SyncbridgeConfig;
  private readonly idle: Syncbridge[] = [];
  private readonly all: Syncbridge[] = [];
  private store: StateStore | undefined;
  private opening: Promise<StateStore> | undefined;

  constructor(
    /** The integration's key in the queue. */
    readonly key: string,
    private readonly options: SyncbridgeOptions,
    private readonly logger: Logger,
  ) {
    this.config = validateConfig(
      options.config,
      options.configFile === undefined ? {} : { file: options.configFile },
    ) as SyncbridgeConfig;
  }

  /** The mappings' names: the pairs whose passes the workers schedule. */
  get pairs(): string[] {
    return this.config.mappings.map((m) => m.name);
  }

  /** Runs `fn` with an idle engine of this integration. */
  async use<T>(fn: (sync: Syncbridge) => Promise<T>): Promise<T> {
    const sync = this.idle.pop() ?? (await this.create());
    try {
      return await fn(sync);
    } finally {
      this.idle.push(sync);
    }
  }

  private async create(): Promise<Syncbridge> {
    const store = await this.openStore();
    const sync = await createSyncbridge({ ...this.options, config: this.config, store, logger: this.logger });
    this.all.push(sync);
    return sync;
  }

  /** The store every engine of the integration shares: the one given, or one opened from its factory (or `config.state`). */
  private openStore(): Promise<StateStore> {
    const given = this.options.store;
    if (given !== undefined && typeof given !== 'function') return Promise.resolve(given);
    this.opening ??= (given ?? stateStoreFactory(this.config.state))({
      integration: this.options.name ?? 'default',
      logger: this.logger,
    }).then((store) => {
      this.store = store;
      return store;
    });
    return this.opening;
  }

  /** Closes the engines' connectors, and the store if it was opened here. */
  async close(): Promise<void> {
    for (const sync of this.all) await sync.close().catch(() => undefined);
    await this.store?.close().catch(() => undefined);
  }
}
