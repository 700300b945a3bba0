import { createHash } from 'node:crypto';
import { validateConfig } from '../config/load.js';
import { closestKey } from '../config/schema-keys.js';
import type { ConflictPolicy, SyncbridgeConfig, SyncbridgeConfigInput } from '../config/schema.js';
import type { Connector } from '../connector/connector.js';
import type { ConnectorFactory } from '../connector/define-connector.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { SyncbridgeError } from '../errors/syncbridge-error.js';
import { silentLogger, type Logger } from '../logger.js';
import type { FieldDescriptor } from '../model/field.js';
import { ValueMap } from '../model/value-map.js';
import { createMemoryStateStore } from '../state/memory-store.js';
import { Mutex } from '../state/mutex.js';
import { openSqliteStateStore } from '../state/sqlite-store.js';
import type { Failure, Link, Side, StateStore } from '../state/state-store.js';
import { removeBacklinks } from './backlinks.js';
import { buildConnectors } from './connectors.js';
import { PairLeases } from './leases.js';
import { Emitter, emptySummary, type EngineEvents, type PlannedWrite, type RunSummary } from './events.js';
import type { ReconcileStrategy } from './merge.js';
import { PairSync, type PassMode } from './pair-sync.js';
import { holdsCopies, relinkPair, type RelinkContext, type RelinkCounts, type RelinkOptions } from './relink.js';
import { findFailures, forgetLinks, linksOf, listLinks } from './selection.js';
import { integrationUserIds, UserResolver } from './users.js';
import type { CompiledField } from './value-mapper.js';

/** Options of {@link createSyncbridge}. */
export interface SyncbridgeOptions {
  /** The configuration (validated here, with `${env:...}` references resolved). */
  config: SyncbridgeConfigInput | SyncbridgeConfig;
  /** Connector factories by adapter kind (`[jiraConnector, azureDevOpsConnector]`). */
  connectors?: readonly ConnectorFactory<unknown>[];
  /** Ready connectors by system id; they take precedence over factories. */
  systems?: Record<string, Connector>;
  /** State store; default: the one `config.state` describes (SQLite file). */
  store?: StateStore;
  /** Structured logger. @default silent */
  logger?: Logger;
  /** Clock (tests inject one). @default () => new Date() */
  clock?: () => Date;
  /** Name of the integration in the state store. @default 'default' */
  name?: string;
  /** File the config came from, for messages. */
  configFile?: string;
}

/** What `status()` reports per entity pair. */
export interface PairStatus {
  name: string;
  links: number;
  watermarks: Record<Side, string | undefined>;
  pendingCreates: number;
  failures: Failure[];
}

/** What `status()` reports. */
export interface StatusReport {
  name: string;
  active: boolean;
  pairs: PairStatus[];
}

/** Which failures `retry()` and `discard()` act on. */
export interface FailureSelector {
  /** Only this mapping; a name that is no mapping throws `SELECTOR_UNMATCHED`. */
  pair?: string;
  /** Only failures of items on this side. */
  side?: Side;
  /** An item's id or key on either side: a failure queued under its linked counterpart matches too. */
  itemId?: string;
}

/** Options of {@link Syncbridge.reconcile}. */
export interface ReconcileOptions {
  /** Only this entity pair. */
  pair?: string | undefined;
  /** Report what would change, writing nothing. @default false */
  dryRun?: boolean | undefined;
  /**
   * How a field whose two values do not correspond is repaired: `default` — one-way fields take the source's value,
   * two-way fields the non-empty side's, and two different values go by the conflict policy
   * (`manual` queues them for a person); `source` — the source's value overwrites the target's;
   * `target` — the target's value is written back to the source (where the field flows that
   * way); `targetEmpty` — the source's value fills only empty targets. @default 'default'
   */
  strategy?: ReconcileStrategy | undefined;
  /** Strategies of single fields, keyed by the field's left or right id; others take `strategy`. */
  fieldStrategies?: Record<string, ReconcileStrategy> | undefined;
  /** The source side of fields synced both ways. @default 'left' */
  source?: Side | undefined;
}

/** What a reconcile changed, or on a dry run would change. */
export interface ReconcileReport {
  dryRun: boolean;
  /** The writes made (or planned), one per item and side. */
  writes: PlannedWrite[];
  summary: RunSummary;
}

/** Options of {@link Syncbridge.runOnce}. */
export interface RunOptions {
  /**
   * Once aborted, the pass stops at the next batch boundary (what was written is committed)
   * and `runOnce` resolves with the summary so far. The CLI aborts it on the first Ctrl-C.
   */
  signal?: AbortSignal;
}

/** Which link {@link Syncbridge.unlink} removes. */
export interface LinkSelector {
  /** Only this mapping. */
  pair?: string;
  /** The id or key of either linked item. */
  item: string;
}

/** A hash of what the integration does; credentials are left out, so rotating a token needs no re-activation. */
function configHash(config: SyncbridgeConfig): string {
  const normalize = (v: unknown): unknown =>
    typeof v === 'function' ? `fn:${v.toString()}` : Array.isArray(v) ? v.map(normalize) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, normalize(x)])) : v;
  const systems = Object.fromEntries(Object.entries(config.systems).map(([id, { auth: _auth, ...rest }]) => [id, rest]));
  return createHash('sha256').update(JSON.stringify(normalize({ ...config, systems }))).digest('hex').slice(0, 16);
}


/**
 * A running integration: activate it, run it once or on an interval, preview it with a
 * dry run, and inspect or retry its failures. Create one with {@link createSyncbridge}.
 */
export class Syncbridge {
  /** Typed events: `progress`, `itemSynced`, `itemFailed`, `conflict`, `runCompleted`, ... */
  readonly events = new Emitter<EngineEvents>();
  /** The validated configuration. */
  readonly config: SyncbridgeConfig;
  private pairs: PairSync[] | undefined;
  private readonly lock = new Mutex();
  private timer: NodeJS.Timeout | undefined;
  private readonly hash: string;
  private readonly clock: () => Date;
  private readonly logger: Logger;
  private readonly name: string;
  private readonly ownsStore: boolean;
  private readonly file: string | undefined;
  private readonly leases: PairLeases;

  /** @internal Use {@link createSyncbridge}. */
  constructor(
    config: SyncbridgeConfig,
    /** Connectors by system id. */
    readonly connectors: Record<string, Connector>,
    /** The state store. */
    readonly store: StateStore,
    options: { clock?: (() => Date) | undefined; logger?: Logger | undefined; name?: string | undefined; ownsStore: boolean; file?: string | undefined },
  ) {
    this.config = config;
    this.hash = configHash(config);
    this.clock = options.clock ?? (() => new Date());
    this.logger = options.logger ?? silentLogger;
    this.name = options.name ?? 'default';
    this.ownsStore = options.ownsStore;
    this.file = options.file;
    this.leases = new PairLeases(store, this.name, config.engine.leaseMs, this.clock, this.logger);
  }

  /** Discovers fields on both sides of every pair and checks the mappings against them. */
  private async prepare(): Promise<PairSync[]> {
    if (this.pairs) return this.pairs;
    const issues: ConfigIssue[] = [];
    const pairs: PairSync[] = [];
    for (const [m, mapping] of this.config.mappings.entries()) {
      const connectors = { left: this.connectors[mapping.left.system]!, right: this.connectors[mapping.right.system]! };
      const descriptors = {} as Record<Side, Map<string, FieldDescriptor>>;
      const integrationUsers = {} as Record<Side, string[]>;
      for (const side of ['left', 'right'] as const) {
        const { project, type, system } = mapping[side];
        const fields = await connectors[side].listFields(project, type);
        descriptors[side] = new Map(fields.map((f) => [f.id, f]));
        integrationUsers[side] = await integrationUserIds(connectors[side], this.config.systems[system]?.integrationUser);
        mapping.fields.forEach((f, i) => {
          if (!descriptors[side].has(f[side])) {
            // The closest id or display name by edit distance (`System.Tagz` → System.Tags, `lables` → labels).
            const byName = new Map(fields.flatMap((d) => [[d.id, d.id], [d.name, d.id]] as const));
            const closest = closestKey(f[side], byName.keys());
            issues.push({ path: `mappings[${m}].fields[${i}].${side}`, message: `field "${f[side]}" does not exist on ${system} ${project} ${type}${closest ? `; did you mean "${byName.get(closest)}"${byName.get(closest) === closest ? '' : ` (${closest})`}?` : ''}` });
          }
        });
      }
      const fields: CompiledField[] = mapping.fields.map((config, index) => ({
        index,
        config,
        valueMap: config.valueMap === undefined ? undefined : typeof config.valueMap === 'string' ? new ValueMap(this.config.valueMaps[config.valueMap]!, config.valueMap) : new ValueMap(config.valueMap, `${config.left}↔${config.right}`),
      }));
      pairs.push(
        new PairSync({
          mapping,
          connectors,
          systemIds: { left: mapping.left.system, right: mapping.right.system },
          integrationUsers,
          fields,
          descriptors,
          store: this.store,
          settings: this.config.engine,
          emitter: this.events,
          clock: this.clock,
          logger: this.logger,
        }),
      );
    }
    if (issues.length > 0) throw new ConfigError(issues, this.file === undefined ? {} : { file: this.file });
    this.pairs = pairs;
    return pairs;
  }

  private userResolver(pairName: string): UserResolver {
    const mapping = this.config.mappings.find((m) => m.name === pairName)!;
    const map = mapping.users?.valueMap;
    const userMap = map === undefined ? undefined : typeof map === 'string' ? new ValueMap(this.config.valueMaps[map]!, map) : new ValueMap(map, `${pairName} users`);
    return new UserResolver({ left: this.connectors[mapping.left.system]!, right: this.connectors[mapping.right.system]! }, userMap);
  }

  private async pass(fn: (pair: PairSync, mode: PassMode) => Promise<void>, options: { dryRun: boolean; policyOverride?: ConflictPolicy; retryRefused?: boolean; pair?: string; signal?: AbortSignal | undefined }): Promise<{ summary: RunSummary; planned: PlannedWrite[] }> {
    const started = Date.now();
    const summary = emptySummary();
    const planned: PlannedWrite[] = [];
    const pairs = (await this.prepare()).filter((pair) => !options.pair || pair.name === options.pair);
    const run = async () => {
      for (const pair of pairs) {
        if (options.signal?.aborted) break;
        // The pair checks `signal` between batches.
        const mode = { dryRun: options.dryRun, planned, summary, users: this.userResolver(pair.name), policyOverride: options.policyOverride, retryRefused: options.retryRefused, signal: options.signal };
        await fn(pair, mode);
      }
    };
    // A dry run writes nothing, so it needs no lease.
    await (options.dryRun ? run() : this.leases.hold(pairs.map((p) => p.name), run));
    summary.durationMs = Date.now() - started;
    return { summary, planned };
  }

  /** Whether the integration is active. */
  async isActive(): Promise<boolean> {
    return (await this.store.getIntegrationState(this.name))?.active === true;
  }

  /**
   * Checks the mappings against both systems, then marks the integration active. After a
   * configuration change, fields added to a mapping are filled for every linked pair by
   * their direction (one-way: the source's value; both ways: the non-empty side's; two
   * different values: the conflict policy), so that no agreed value is missing. A pair
   * whose store holds no link while its projects hold copies the engine made (the state
   * file was lost) is first relinked from the origin stamps (see {@link Syncbridge.relink}).
   */
  async activate(): Promise<void> {
    await this.prepare();
    const previous = await this.store.getIntegrationState(this.name);
    await this.store.putIntegrationState({ name: this.name, active: true, configHash: this.hash, updatedAt: this.clock().toISOString() });
    await this.relinkIfLost();
    if (previous && previous.configHash !== this.hash) {
      await this.lock.run(() => this.pass((pair, mode) => pair.relinkedPairs(mode, { missingFieldsOnly: true }), { dryRun: false }));
    }
  }

  /**
   * Compares every linked pair field by field and repairs the fields whose values do not
   * correspond through the mapping (see {@link ReconcileOptions.strategy}); the repaired
   * values become the agreed state. A dry run reports the writes and makes none.
   */
  reconcile(options: ReconcileOptions = {}): Promise<ReconcileReport> {
    return this.lock.run(async () => {
      const dryRun = options.dryRun === true;
      if (!dryRun) await this.requireActive();
      const strategy = (field: CompiledField): ReconcileStrategy => options.fieldStrategies?.[field.config.left] ?? options.fieldStrategies?.[field.config.right] ?? options.strategy ?? 'default';
      const made: PlannedWrite[] = [];
      const unsubscribe = this.events.on('itemSynced', ({ durationMs: _ms, ...write }) => made.push(write));
      try {
        const reconcile = { strategy, source: options.source ?? 'left' };
        const { summary, planned } = await this.pass((pair, mode) => pair.relinkedPairs({ ...mode, reconcile }, { missingFieldsOnly: false }), { dryRun, ...(options.pair ? { pair: options.pair } : {}) });
        return { dryRun, writes: dryRun ? planned : made, summary };
      } finally {
        unsubscribe();
      }
    });
  }

  /**
   * Rebuilds missing links from the origin stamps the engine wrote on the items it created
   * (after losing the state file, say): scans both sides of every pair (or of `pair`), a
   * page at a time, and links each unlinked copy to the item it was made from, unless either
   * is linked to something else. Writes nothing to the systems; a dry run writes no link
   * either. Works while inactive. Throws `SELECTOR_UNMATCHED` for a `pair` that is no mapping.
   */
  relink(options: RelinkOptions = {}): Promise<RelinkCounts[]> {
    return this.lock.run(async () => {
      const mappings = this.config.mappings.filter((m) => options.pair === undefined || m.name === options.pair);
      if (mappings.length === 0) throw new SyncbridgeError('SELECTOR_UNMATCHED', `no mapping is named "${options.pair}"; mappings: ${this.config.mappings.map((m) => m.name).join(', ')}`);
      const dryRun = options.dryRun === true;
      const relinkAll = async () => {
        const out: RelinkCounts[] = [];
        for (const mapping of mappings) out.push(await relinkPair({ ...this.relinkContext(mapping), dryRun, signal: options.signal }));
        return out;
      };
      const counts = await (dryRun ? relinkAll() : this.leases.hold(mappings.map((m) => m.name), relinkAll));
      this.logger.info('relinked from origin stamps', { dryRun, pairs: counts });
      return counts;
    });
  }

  /**
   * On activation, a pair whose store holds no link while its projects hold copies the engine
   * made (a lost state file, a new machine) is relinked from the stamps before anything is created.
   */
  private async relinkIfLost(): Promise<void> {
    for (const mapping of this.config.mappings) {
      if ((await this.store.countLinks(mapping.name)) > 0) continue;
      const ctx = this.relinkContext(mapping);
      if (!(await holdsCopies(ctx))) continue;
      const counts = await this.lock.run(() => this.leases.hold([mapping.name], () => relinkPair(ctx)));
      this.logger.info('found no links but stamped copies: relinked from origin stamps', { ...counts });
    }
  }

  private relinkContext(mapping: SyncbridgeConfig['mappings'][number]): RelinkContext {
    const connectors = { left: this.connectors[mapping.left.system]!, right: this.connectors[mapping.right.system]! };
    const systemIds = { left: mapping.left.system, right: mapping.right.system };
    const integrationUsers = { left: this.config.systems[mapping.left.system]?.integrationUser, right: this.config.systems[mapping.right.system]?.integrationUser };
    return { pair: mapping.name, mapping, connectors, systemIds, store: this.store, pageSize: this.config.engine.pageSize, clock: this.clock, dryRun: false, integrationUsers };
  }

  /** Stops any interval loop and marks the integration inactive (config edits are allowed again). */
  async deactivate(): Promise<void> {
    await this.stop();
    await this.store.putIntegrationState({ name: this.name, active: false, configHash: this.hash, updatedAt: this.clock().toISOString() });
  }

  private async requireActive(): Promise<void> {
    const state = await this.store.getIntegrationState(this.name);
    if (!state?.active) throw new SyncbridgeError('INTEGRATION_INACTIVE', `integration "${this.name}" is not active; activate it first (syncbridge activate)`);
    if (state.configHash !== this.hash) {
      throw new SyncbridgeError('INTEGRATION_ACTIVE', `the configuration of integration "${this.name}" changed while it was active; deactivate it, then activate it again to apply the change`);
    }
  }

  /** One pass over every pair: settle interrupted creates, retry due failures, poll both sides. */
  runOnce(options: RunOptions = {}): Promise<RunSummary> {
    return this.lock.run(async () => {
      await this.requireActive();
      const { summary } = await this.pass((pair, mode) => pair.run(mode), { dryRun: false, signal: options.signal });
      this.events.emit('runCompleted', summary);
      return summary;
    });
  }

  /** Every write a pass would make, as data, writing nothing (works while inactive). */
  dryRun(): Promise<PlannedWrite[]> {
    return this.lock.run(async () => (await this.pass((pair, mode) => pair.run(mode), { dryRun: true })).planned);
  }

  /** Syncs single items now, e.g. from a webhook. */
  syncItems(pair: string, side: Side, ids: string[]): Promise<RunSummary> {
    return this.lock.run(async () => {
      await this.requireActive();
      return (await this.pass((p, mode) => p.syncItems(side, ids, mode), { dryRun: false, pair })).summary;
    });
  }

  /**
   * Queued failures a selector picks, oldest first; an item is named by the id or key of
   * either side. Throws `SELECTOR_UNMATCHED` for a `pair` that is no mapping.
   */
  failures(selector: FailureSelector = {}): Promise<Failure[]> {
    return findFailures(this.store, this.config, selector);
  }

  /**
   * Retries queued failures now, resetting their attempt count (discarded ones only when
   * named by `itemId`); values the other side refused are sent again. `take` settles conflicts by keeping that side's values. Throws
   * `SELECTOR_UNMATCHED` when `pair` is no mapping or `itemId` matches no failure.
   */
  retry(selector: FailureSelector = {}, options: { take?: Side } = {}): Promise<RunSummary> {
    return this.lock.run(async () => {
      await this.requireActive();
      const selected = (await findFailures(this.store, this.config, selector, { required: true })).filter((f) => selector.itemId !== undefined || !f.discardedAt);
      for (const f of selected) await this.store.putFailure({ ...f, attempts: 0, discardedAt: null });
      const policyOverride = options.take === 'left' ? 'leftWins' : options.take === 'right' ? 'rightWins' : undefined;
      return (await this.pass((pair, mode) => pair.retryFailures(mode, (f) => selected.some((s) => s.pair === pair.name && s.side === f.side && s.itemId === f.itemId)), { dryRun: false, retryRefused: true, ...(policyOverride ? { policyOverride } : {}) })).summary;
    });
  }

  /**
   * Stops retrying failures: each is kept, marked discarded, and never retried
   * automatically; the item syncs again once it changes again on the side that failed.
   * Returns how many were discarded. Throws `SELECTOR_UNMATCHED` when `pair` is no mapping
   * or `itemId` matches no failure.
   */
  discard(selector: FailureSelector): Promise<number> {
    return this.lock.run(async () => {
      const selected = await findFailures(this.store, this.config, selector, { required: true });
      const now = this.clock().toISOString();
      for (const f of selected) await this.store.putFailure({ ...f, nextRetryAt: null, discardedAt: f.discardedAt ?? now, updatedAt: now });
      return selected.length;
    });
  }

  /** Links of one mapping (every mapping when omitted), oldest first. Throws `SELECTOR_UNMATCHED` for an unknown mapping. */
  links(pair?: string): Promise<Link[]> {
    return listLinks(this.store, this.config, pair);
  }

  /**
   * Forgets the links of an item named by the id or key of either side, with both items'
   * snapshots and failures: neither item's fields are changed (their back-links to each other
   * are removed), and the next change of either is synced as an unlinked item (a create, or a
   * match by `matchExisting`). Returns the links removed; throws `SELECTOR_UNMATCHED` when none matches.
   */
  unlink(selector: LinkSelector): Promise<Link[]> {
    return this.lock.run(async () => {
      const links = await linksOf(this.store, this.config, selector);
      await this.leases.hold([...new Set(links.map((l) => l.pair))], async () => {
        await forgetLinks(this.store, links);
        for (const link of links) {
          const mapping = this.config.mappings.find((m) => m.name === link.pair)!;
          const connectors = { left: this.connectors[mapping.left.system]!, right: this.connectors[mapping.right.system]! };
          await removeBacklinks({ pair: link.pair, mapping, connectors, systemIds: { left: mapping.left.system, right: mapping.right.system }, store: this.store, logger: this.logger }, link);
        }
      });
      return links;
    });
  }

  /** Links, watermarks and failures per pair. */
  async status(): Promise<StatusReport> {
    const pairs: PairStatus[] = [];
    for (const mapping of this.config.mappings) {
      const [left, right] = await Promise.all([this.store.getWatermark(mapping.name, 'left'), this.store.getWatermark(mapping.name, 'right')]);
      pairs.push({
        name: mapping.name,
        links: await this.store.countLinks(mapping.name),
        watermarks: { left: left?.value, right: right?.value },
        pendingCreates: (await this.store.listIntents(mapping.name)).length,
        failures: await this.store.listFailures(mapping.name),
      });
    }
    return { name: this.name, active: await this.isActive(), pairs };
  }

  /**
   * Runs a pass every `engine.intervalMs` until {@link Syncbridge.stop}; errors are logged
   * and the loop goes on. The first pass runs at once unless `immediate` is false.
   */
  start(options: { immediate?: boolean } & RunOptions = {}): void {
    if (this.timer) return;
    const tick = async () => {
      if (options.signal?.aborted) return;
      try {
        await this.runOnce(options.signal ? { signal: options.signal } : {});
      } catch (error) {
        this.logger.error('sync pass failed', { error: error instanceof SyncbridgeError ? error.toJSON() : String(error) });
      }
      if (this.timer) this.timer = setTimeout(tick, this.config.engine.intervalMs);
    };
    this.timer = setTimeout(tick, options.immediate === false ? this.config.engine.intervalMs : 0);
  }

  /** Stops the interval loop after the pass under way. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.lock.run(async () => {});
  }

  /** Stops, closes connectors and (if it opened it) the state store. */
  async close(): Promise<void> {
    await this.stop();
    for (const connector of Object.values(this.connectors)) await connector.close?.();
    if (this.ownsStore) await this.store.close();
  }
}

/**
 * Creates an integration from a configuration and connector factories:
 *
 * ```ts
 * const sync = await createSyncbridge({ config, connectors: [jiraConnector, azureDevOpsConnector] });
 * await sync.activate();
 * await sync.runOnce();
 * ```
 */
export async function createSyncbridge(options: SyncbridgeOptions): Promise<Syncbridge> {
  const config = validateConfig(options.config, options.configFile === undefined ? {} : { file: options.configFile });
  const logger = options.logger ?? silentLogger;
  const connectors = buildConnectors(config, {
    ...(options.connectors ? { factories: options.connectors } : {}),
    ...(options.systems ? { systems: options.systems } : {}),
    context: { logger },
    ...(options.configFile === undefined ? {} : { file: options.configFile }),
  });
  const store = options.store ?? (config.state.store === 'memory' ? createMemoryStateStore() : await openSqliteStateStore(config.state.path));
  return new Syncbridge(config, connectors, store, { clock: options.clock, logger, name: options.name, ownsStore: !options.store, file: options.configFile });
}
