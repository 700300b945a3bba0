import { createHash } from 'node:crypto';
import { validateConfig } from '../config/load.js';
import type { ConflictPolicy, SyncbridgeConfig, SyncbridgeConfigInput } from '../config/schema.js';
import type { Connector } from '../connector/connector.js';
import type { ConnectorFactory } from '../connector/define-connector.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { isSyncbridgeError, SyncbridgeError, type ErrorCode } from '../errors/syncbridge-error.js';
import { redactUrl } from '../http/redact.js';
import { silentLogger, type Logger } from '../logger.js';
import type { FieldDescriptor } from '../model/field.js';
import { ValueMap } from '../model/value-map.js';
import { stateStoreFactory } from '../state/factories.js';
import { Mutex } from '../state/mutex.js';
import type { Failure, IntegrationState, Link, Side, StateStore, StateStoreFactory } from '../state/state-store.js';
import { describeSide, fieldIssues, filterIssues } from './activation-checks.js';
import { removeBacklinks } from './backlinks.js';
import { buildConnectors } from './connectors.js';
import { fencedStore } from '../state/fenced-store.js';
import { fencedConnector, PairLeases } from './leases.js';
import {
  Emitter,
  emptySummary,
  type EngineEvents,
  type PassKind,
  type PlannedWrite,
  type RunSummary,
} from './events.js';
import { tracePass, traceItems } from '../telemetry/tracing.js';
import type { ReconcileStrategy } from './merge.js';
import { PairSync, type PassMode } from './pair-sync.js';
import { holdsCopies, relinkPair, type RelinkContext, type RelinkCounts, type RelinkOptions } from './relink.js';
import { findFailures, forgetLinks, linksOf, listLinks } from './selection.js';
import { integrationUserIds, UserResolver } from './users.js';
import type { CompiledField } from './value-mapper.js';
import { linkFieldMappings, linkIssues, TwinFinder } from './link-fields.js';
import { WebhookIntake } from '../webhooks/intake.js';

/** How a pass runs. */
interface PassOptions {
  dryRun: boolean;
  policyOverride?: ConflictPolicy;
  retryRefused?: boolean;
  pair?: string;
  signal?: AbortSignal | undefined;
}

/** A fingerprint per configuration part, by its path (`mappings[0].fields[2]`). */
type ConfigParts = Record<string, string>;

/** Options of {@link createSyncbridge}. */
export interface SyncbridgeOptions {
  /** The configuration (validated here, with `${env:...}` references resolved). */
  config: SyncbridgeConfigInput | SyncbridgeConfig;
  /** Connector factories by adapter kind (`[jiraConnector, azureDevOpsConnector]`). */
  connectors?: readonly ConnectorFactory<unknown>[];
  /** Ready connectors by system id; they take precedence over factories. */
  systems?: Record<string, Connector>;
  /**
   * The state store: a factory (`sqliteStore()`, `postgresStore()`, `memoryStore()` or your
   * own), which the integration opens for its `name` and closes in `close()`; or a store you
   * opened for this integration's `name` yourself (you close it then). Default: the one
   * `config.state` describes (a SQLite file).
   */
  store?: StateStore | StateStoreFactory;
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
  /**
   * While active: what changed in the configuration since activation, in words
   * (`systems.jira.baseUrl changed`); runs are refused until the integration is activated again.
   */
  configChanges?: string[];
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
  /**
   * Only this entity pair (a mapping's name), as a worker runs one pair per job; a name that is
   * no mapping throws `SELECTOR_UNMATCHED`. @default every pair
   */
  pair?: string;
}

/** Which link {@link Syncbridge.unlink} removes. */
export interface LinkSelector {
  /** Only this mapping. */
  pair?: string;
  /** The id or key of either linked item. */
  item: string;
}

const normalize = (v: unknown): unknown =>
  typeof v === 'function'
    ? `fn:${v.toString()}`
    : Array.isArray(v)
      ? v.map(normalize)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, normalize(x)]),
          )
        : v;
const fingerprint = (v: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(normalize(v)) ?? '')
    .digest('hex')
    .slice(0, 12);

/** The hash of states stored before {@link configParts}: kept so that upgrading alone is no configuration change. */
function legacyConfigHash(config: SyncbridgeConfig): string {
  const systems = Object.fromEntries(
    Object.entries(config.systems).map(([id, { auth: _auth, ...rest }]) => [id, rest]),
  );
  const state = 'url' in config.state ? { ...config.state, url: redactUrl(config.state.url) } : config.state;
  return createHash('sha256')
    .update(JSON.stringify(normalize({ ...config, systems, state })))
    .digest('hex')
    .slice(0, 16);
}

/** A base URL as the system it names: case of scheme and host, default port, credentials and a trailing slash do not count. */
function systemAddress(baseUrl: string): string {
  const url = new URL(baseUrl);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}${url.search}`;
}

/**
 * What decides how an integration syncs, part by part, each with a fingerprint: per system
 * its adapter, the system its base URL names, its integration user and adapter options; each
 * value map; each mapping's settings and each of its field mappings. Left out: credentials,
 * transport settings (proxy, TLS, timeouts, retries), engine timing and where the state is
 * stored — changing them needs no re-activation, and moving the integration's folder is no change.
 */
function configParts(config: SyncbridgeConfig): ConfigParts {
  const parts: ConfigParts = {};
  for (const [id, system] of Object.entries(config.systems)) {
    parts[`systems.${id}.adapter`] = fingerprint(system.adapter);
    parts[`systems.${id}.baseUrl`] = fingerprint(systemAddress(system.baseUrl));
    if (system.integrationUser !== undefined)
      parts[`systems.${id}.integrationUser`] = fingerprint(system.integrationUser);
    if (system.options !== undefined) parts[`systems.${id}.options`] = fingerprint(system.options);
  }
  for (const [name, map] of Object.entries(config.valueMaps)) parts[`valueMaps.${name}`] = fingerprint(map);
  config.mappings.forEach((mapping, m) => {
    for (const [key, value] of Object.entries(mapping))
      if (key !== 'fields' && value !== undefined) parts[`mappings[${m}].${key}`] = fingerprint(value);
    mapping.fields.forEach((field, f) => {
      parts[`mappings[${m}].fields[${f}]`] = fingerprint(field);
    });
  });
  return parts;
}

/** The hash of the parts; credentials are left out, so rotating a token needs no re-activation. */
const partsHash = (parts: ConfigParts) =>
  createHash('sha256')
    .update(JSON.stringify(normalize(parts)))
    .digest('hex')
    .slice(0, 16);

/** The parts that differ, in words: `mappings[0].fields[6] (labels ↔ System.Tags) added`. */
function describeChanges(config: SyncbridgeConfig, before: ConfigParts, now: ConfigParts): string[] {
  const label = (path: string) => {
    const field = /^mappings\[(\d+)\]\.fields\[(\d+)\]$/.exec(path);
    const mapping = field ? config.mappings[Number(field[1])]?.fields[Number(field[2])] : undefined;
    return mapping ? `${path} (${mapping.left} ↔ ${mapping.right})` : path;
  };
  // The address is shown: an environment variable behind it may have changed unseen.
  const address = (path: string) => {
    const system = /^systems\.(.+)\.baseUrl$/.exec(path)?.[1];
    return system && config.systems[system] ? ` (now ${systemAddress(config.systems[system].baseUrl)})` : '';
  };
  const paths = [...new Set([...Object.keys(before), ...Object.keys(now)])];
  return paths.flatMap((path) =>
    before[path] === now[path]
      ? []
      : [
          `${label(path)} ${before[path] === undefined ? 'added' : now[path] === undefined ? 'removed' : `changed${address(path)}`}`,
        ],
  );
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
  /** Real-time intake: `handle` webhook deliveries, process the inbox, register the webhooks (see the webhooks guide). */
  readonly webhooks: WebhookIntake;
  private pairs: PairSync[] | undefined;
  private readonly lock = new Mutex();
  private timer: NodeJS.Timeout | undefined;
  private readonly parts: ConfigParts;
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
    options: {
      clock?: (() => Date) | undefined;
      logger?: Logger | undefined;
      name?: string | undefined;
      ownsStore: boolean;
      file?: string | undefined;
    },
  ) {
    this.config = config;
    this.parts = configParts(config);
    this.hash = partsHash(this.parts);
    this.clock = options.clock ?? (() => new Date());
    this.logger = options.logger ?? silentLogger;
    this.name = options.name ?? 'default';
    this.ownsStore = options.ownsStore;
    this.file = options.file;
    this.leases = new PairLeases(store, this.name, config.engine.leaseMs, this.logger, this.events);
    traceItems(this.events, this.name);
    this.webhooks = new WebhookIntake(this, { logger: this.logger, name: this.name });
  }

  /** The state store and connectors of a mapping as its passes write them: every write fenced by the pair's lease. */
  private fenced(mapping: SyncbridgeConfig['mappings'][number]): {
    store: StateStore;
    connectors: Record<Side, Connector>;
  } {
    const fence = this.leases.pairFence(mapping.name);
    return {
      store: fencedStore(this.store, fence),
      connectors: {
        left: fencedConnector(this.connectors[mapping.left.system]!, fence),
        right: fencedConnector(this.connectors[mapping.right.system]!, fence),
      },
    };
  }

  /** The pairs, built (and the mappings checked against both systems) on first use. */
  private async prepare(): Promise<PairSync[]> {
    this.pairs ??= await this.buildPairs({ checkFilters: false });
    return this.pairs;
  }

  /**
   * Discovers fields on both sides of every pair and checks the mappings against them (see
   * `activation-checks.ts`); with `checkFilters`, the systems also parse the filters. Every
   * problem is reported at once, as a {@link ConfigError} naming each one's config path.
   */
  private async buildPairs(options: { checkFilters: boolean }): Promise<PairSync[]> {
    const issues: ConfigIssue[] = [];
    const pairs: PairSync[] = [];
    for (const [m, mapping] of this.config.mappings.entries()) {
      const connectors = { left: this.connectors[mapping.left.system]!, right: this.connectors[mapping.right.system]! };
      const descriptors: Partial<Record<Side, Map<string, FieldDescriptor>>> = {};
      const integrationUsers = {} as Record<Side, string[]>;
      for (const side of ['left', 'right'] as const) {
        const described = await describeSide(connectors[side], mapping[side], `mappings[${m}].${side}`);
        if ('issue' in described) issues.push(described.issue);
        else descriptors[side] = new Map(described.fields.map((f) => [f.id, f]));
        integrationUsers[side] = await integrationUserIds(
          connectors[side],
          this.config.systems[mapping[side].system]?.integrationUser,
        );
      }
      issues.push(...fieldIssues(this.config, m, descriptors));
      issues.push(
        ...linkIssues(mapping, m, descriptors, {
          left: connectors.left.info.capabilities.links,
          right: connectors.right.info.capabilities.links,
        }),
      );
      // A filter of an unknown project or type would only repeat that problem.
      if (options.checkFilters && descriptors.left && descriptors.right)
        issues.push(...(await filterIssues(mapping, m, connectors)));
      if (!descriptors.left || !descriptors.right) continue;
      const fields: CompiledField[] = mapping.fields.map((config, index) => ({
        index,
        config,
        valueMap:
          config.valueMap === undefined
            ? undefined
            : typeof config.valueMap === 'string'
              ? new ValueMap(this.config.valueMaps[config.valueMap]!, config.valueMap)
              : new ValueMap(config.valueMap, `${config.left}↔${config.right}`),
      }));
      fields.push(...linkFieldMappings(mapping));
      pairs.push(
        new PairSync({
          mapping,
          ...this.fenced(mapping),
          systemIds: { left: mapping.left.system, right: mapping.right.system },
          integrationUsers,
          fields,
          descriptors: { left: descriptors.left, right: descriptors.right },
          twins: new TwinFinder(this.store, this.config.mappings),
          settings: this.config.engine,
          emitter: this.events,
          clock: this.clock,
          logger: this.logger,
        }),
      );
    }
    if (issues.length > 0) throw new ConfigError(issues, this.file === undefined ? {} : { file: this.file });
    return pairs;
  }

  private userResolver(pairName: string): UserResolver {
    const mapping = this.config.mappings.find((m) => m.name === pairName)!;
    const map = mapping.users?.valueMap;
    const userMap =
      map === undefined
        ? undefined
        : typeof map === 'string'
          ? new ValueMap(this.config.valueMaps[map]!, map)
          : new ValueMap(map, `${pairName} users`);
    return new UserResolver(
      { left: this.connectors[mapping.left.system]!, right: this.connectors[mapping.right.system]! },
      userMap,
    );
  }

  /** A pass of `kind` in a tracing span; every pass that writes is reported by a `passEnded` event. */
  private pass(
    kind: PassKind,
    fn: (pair: PairSync, mode: PassMode) => Promise<void>,
    options: PassOptions,
  ): Promise<{ summary: RunSummary; planned: PlannedWrite[] }> {
    const pair = options.pair === undefined ? {} : { pair: options.pair };
    return tracePass({ integration: this.name, kind: options.dryRun ? 'dryRun' : kind, ...pair }, async () => {
      try {
        const result = await this.passOnce(fn, options);
        if (!options.dryRun) this.events.emit('passEnded', { kind, ...pair, summary: result.summary });
        return result;
      } catch (error) {
        if (!options.dryRun) this.events.emit('passEnded', { kind, ...pair, summary: this.failedSummary, error });
        throw error;
      }
    });
  }

  // The counters of the last pass that failed, as its `runFailed` event gave them.
  private failedSummary: RunSummary = emptySummary();

  private async passOnce(
    fn: (pair: PairSync, mode: PassMode) => Promise<void>,
    options: PassOptions,
  ): Promise<{ summary: RunSummary; planned: PlannedWrite[] }> {
    const started = Date.now();
    this.failedSummary = emptySummary();
    const summary = emptySummary();
    const planned: PlannedWrite[] = [];
    const pairs = (await this.prepare()).filter((pair) => !options.pair || pair.name === options.pair);
    const run = async (pairs: PairSync[]) => {
      for (const pair of pairs) {
        if (options.signal?.aborted) break;
        // The pair checks `signal` between batches.
        const mode = {
          dryRun: options.dryRun,
          planned,
          summary,
          users: this.userResolver(pair.name),
          policyOverride: options.policyOverride,
          retryRefused: options.retryRefused,
          signal: options.signal,
        };
        await fn(pair, mode);
      }
    };
    if (options.dryRun)
      await run(pairs); // A dry run writes nothing, so it needs no lease.
    else {
      const writes: PlannedWrite[] = [];
      const unsubscribe = this.events.on('itemSynced', ({ durationMs: _ms, sourceChangedAt: _at, ...write }) => {
        if (writes.length < 10) writes.push(write);
      });
      try {
        // Each pair under its own lease: a pair another process is syncing is left to it, and one
        // whose lease this pass lost stops there; both are reported, and the other pairs synced.
        // Only when no pair could be synced does the pass fail (INTEGRATION_BUSY, LEASE_LOST).
        let refused: SyncbridgeError | undefined;
        for (const pair of pairs) {
          if (options.signal?.aborted) break;
          let token: number | undefined;
          try {
            await this.leases.hold([pair.name], () => {
              token = this.leases.fence(pair.name)?.token;
              return run([pair]);
            });
          } catch (error) {
            if (isSyncbridgeError(error) && error.code === 'LEASE_LOST' && token !== undefined) {
              refused = error;
              summary.lost.push({ pair: pair.name, token, message: error.message });
              this.logger.error('stopped syncing a pair whose lease was lost', {
                pair: pair.name,
                fencingToken: token,
                error: error.message,
              });
              continue;
            }
            if (!isSyncbridgeError(error) || error.code !== 'INTEGRATION_BUSY' || error.details.pair !== pair.name)
              throw error;
            refused = error;
            const { holder, expiresAt } = error.details as { holder: string; expiresAt: string };
            summary.busy.push({ pair: pair.name, holder, expiresAt });
            this.logger.warn('left a pair another process is syncing', { pair: pair.name, holder, expiresAt });
          }
        }
        if (refused && summary.busy.length + summary.lost.length === pairs.length) throw refused;
      } catch (error) {
        // What was written is committed: the caller must learn of it along with the error.
        this.failedSummary = { ...summary, durationMs: Date.now() - started };
        this.events.emit('runFailed', { summary: this.failedSummary, writes, error });
        throw error;
      } finally {
        unsubscribe();
      }
    }
    summary.durationMs = Date.now() - started;
    return { summary, planned };
  }

  /** Whether the integration is active. */
  async isActive(): Promise<boolean> {
    return (await this.store.getIntegrationState(this.name))?.active === true;
  }

  /**
   * Checks the mappings against both systems, then marks the integration active. Every check
   * a system can answer is made, and every problem is reported at once as a `CONFIG_INVALID`
   * {@link ConfigError} naming its config path: projects and types that do not exist (with
   * what does), fields that do not exist (with the closest), target fields that cannot be
   * written in the mapped direction, value-map values the target field does not allow, and
   * filters the system refuses (where the connector has `checkFilter`). After a
   * configuration change, fields added to a mapping are filled for every linked pair by
   * their direction (one-way: the source's value; both ways: the non-empty side's; two
   * different values: the conflict policy), so that no agreed value is missing. A pair
   * whose store holds no link while its projects hold copies the engine made (the state
   * file was lost) is first relinked from the origin stamps (see {@link Syncbridge.relink}).
   */
  async activate(): Promise<void> {
    this.pairs = await this.buildPairs({ checkFilters: true });
    const previous = await this.store.getIntegrationState(this.name);
    await this.store.putIntegrationState({
      name: this.name,
      active: true,
      configHash: this.hash,
      configParts: this.parts,
      updatedAt: this.clock().toISOString(),
    });
    await this.relinkIfLost();
    if (previous && previous.configHash !== this.hash) {
      await this.lock.run(() =>
        this.pass('activate', (pair, mode) => pair.relinkedPairs(mode, { missingFieldsOnly: true }), { dryRun: false }),
      );
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
      const strategy = (field: CompiledField): ReconcileStrategy =>
        options.fieldStrategies?.[field.config.left] ??
        options.fieldStrategies?.[field.config.right] ??
        options.strategy ??
        'default';
      const made: PlannedWrite[] = [];
      const unsubscribe = this.events.on('itemSynced', ({ durationMs: _ms, sourceChangedAt: _at, ...write }) =>
        made.push(write),
      );
      try {
        const reconcile = { strategy, source: options.source ?? 'left' };
        const { summary, planned } = await this.pass(
          'reconcile',
          (pair, mode) => pair.relinkedPairs({ ...mode, reconcile }, { missingFieldsOnly: false }),
          { dryRun, ...(options.pair ? { pair: options.pair } : {}) },
        );
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
      if (mappings.length === 0)
        throw new SyncbridgeError(
          'SELECTOR_UNMATCHED',
          `no mapping is named "${options.pair}"; mappings: ${this.config.mappings.map((m) => m.name).join(', ')}`,
        );
      const dryRun = options.dryRun === true;
      const relinkAll = async () => {
        const out: RelinkCounts[] = [];
        for (const mapping of mappings)
          out.push(await relinkPair({ ...this.relinkContext(mapping), dryRun, signal: options.signal }));
        return out;
      };
      const counts = await (dryRun
        ? relinkAll()
        : this.leases.hold(
            mappings.map((m) => m.name),
            relinkAll,
          ));
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
    const integrationUsers = {
      left: this.config.systems[mapping.left.system]?.integrationUser,
      right: this.config.systems[mapping.right.system]?.integrationUser,
    };
    return {
      pair: mapping.name,
      mapping,
      connectors,
      systemIds,
      store: this.fenced(mapping).store,
      pageSize: this.config.engine.pageSize,
      clock: this.clock,
      dryRun: false,
      integrationUsers,
    };
  }

  /** Stops any interval loop and marks the integration inactive (config edits are allowed again). */
  async deactivate(): Promise<void> {
    await this.stop();
    await this.store.putIntegrationState({
      name: this.name,
      active: false,
      configHash: this.hash,
      configParts: this.parts,
      updatedAt: this.clock().toISOString(),
    });
  }

  /** What changed since the integration was activated, in words; empty when nothing did. */
  private changesSince(state: IntegrationState): string[] {
    if (state.configHash === this.hash) return [];
    if (state.configParts) return describeChanges(this.config, state.configParts, this.parts);
    // Stored by an earlier version, which recorded the hash alone.
    return state.configHash === legacyConfigHash(this.config)
      ? []
      : ['(what changed is not recorded: the integration was activated by an earlier syncbridge)'];
  }

  private async requireActive(): Promise<void> {
    const state = await this.store.getIntegrationState(this.name);
    if (!state?.active)
      throw new SyncbridgeError(
        'INTEGRATION_INACTIVE',
        `integration "${this.name}" is not active; activate it first (syncbridge activate)`,
      );
    const changes = this.changesSince(state);
    if (changes.length === 0) return;
    // A base URL that changed alone is mostly an environment variable behind it: an address that cannot be reached is the problem to report.
    const moved = changes.map((c) => /^systems\.(.+)\.baseUrl changed /.exec(c)?.[1]);
    if (moved.every((id) => id !== undefined)) {
      for (const id of moved) {
        const failed = (await this.connectors[id]!.testConnection()).stages.find((stage) => !stage.ok);
        if (failed)
          throw new SyncbridgeError(
            (failed.code as ErrorCode | undefined) ?? 'NETWORK',
            `${id}: ${failed.message}${failed.fix ? `; ${failed.fix}` : ''}`,
            { system: id, details: { stage: failed.stage } },
          );
      }
    }
    throw new SyncbridgeError(
      'INTEGRATION_ACTIVE',
      `the configuration of integration "${this.name}" changed while it was active: ${changes.join(', ')}. To apply the change, deactivate the integration, then activate it again (syncbridge deactivate, then syncbridge activate), which checks the mappings against the systems; or undo the change`,
      { details: { changes } },
    );
  }

  /** One pass over every pair: settle interrupted creates, retry due failures, poll both sides. */
  runOnce(options: RunOptions = {}): Promise<RunSummary> {
    return this.lock.run(async () => {
      if (options.pair !== undefined && !this.config.mappings.some((m) => m.name === options.pair))
        throw new SyncbridgeError(
          'SELECTOR_UNMATCHED',
          `no mapping is named "${options.pair}"; mappings: ${this.config.mappings.map((m) => m.name).join(', ')}`,
        );
      await this.requireActive();
      const { summary } = await this.pass('run', (pair, mode) => pair.run(mode), {
        dryRun: false,
        signal: options.signal,
        ...(options.pair === undefined ? {} : { pair: options.pair }),
      });
      this.events.emit('runCompleted', summary);
      return summary;
    });
  }

  /** Every write a pass would make, as data, writing nothing (works while inactive). */
  dryRun(): Promise<PlannedWrite[]> {
    return this.lock.run(
      async () => (await this.pass('run', (pair, mode) => pair.run(mode), { dryRun: true })).planned,
    );
  }

  /** Syncs single items now, e.g. from a webhook. */
  syncItems(pair: string, side: Side, ids: string[]): Promise<RunSummary> {
    return this.lock.run(async () => {
      await this.requireActive();
      return (await this.pass('syncItems', (p, mode) => p.syncItems(side, ids, mode), { dryRun: false, pair })).summary;
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
      const selected = (await findFailures(this.store, this.config, selector, { required: true })).filter(
        (f) => selector.itemId !== undefined || !f.discardedAt,
      );
      for (const f of selected) await this.store.putFailure({ ...f, attempts: 0, discardedAt: null });
      const policyOverride = options.take === 'left' ? 'leftWins' : options.take === 'right' ? 'rightWins' : undefined;
      return (
        await this.pass(
          'retry',
          (pair, mode) =>
            pair.retryFailures(mode, (f) =>
              selected.some((s) => s.pair === pair.name && s.side === f.side && s.itemId === f.itemId),
            ),
          { dryRun: false, retryRefused: true, ...(policyOverride ? { policyOverride } : {}) },
        )
      ).summary;
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
      for (const f of selected)
        await this.store.putFailure({ ...f, nextRetryAt: null, discardedAt: f.discardedAt ?? now, updatedAt: now });
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
        const mappingOf = (link: Link) => this.config.mappings.find((m) => m.name === link.pair)!;
        for (const link of links) await forgetLinks(this.fenced(mappingOf(link)).store, [link]);
        for (const link of links) {
          const mapping = mappingOf(link);
          await removeBacklinks(
            {
              pair: link.pair,
              mapping,
              ...this.fenced(mapping),
              systemIds: { left: mapping.left.system, right: mapping.right.system },
              logger: this.logger,
            },
            link,
          );
        }
      });
      return links;
    });
  }

  /** Links, watermarks and failures per pair. */
  async status(): Promise<StatusReport> {
    const pairs: PairStatus[] = [];
    for (const mapping of this.config.mappings) {
      const [left, right] = await Promise.all([
        this.store.getWatermark(mapping.name, 'left'),
        this.store.getWatermark(mapping.name, 'right'),
      ]);
      pairs.push({
        name: mapping.name,
        links: await this.store.countLinks(mapping.name),
        watermarks: { left: left?.value, right: right?.value },
        pendingCreates: (await this.store.listIntents(mapping.name)).length,
        failures: await this.store.listFailures(mapping.name),
      });
    }
    const state = await this.store.getIntegrationState(this.name);
    const changes = state?.active ? this.changesSince(state) : [];
    return {
      name: this.name,
      active: state?.active === true,
      ...(changes.length > 0 ? { configChanges: changes } : {}),
      pairs,
    };
  }

  /**
   * Runs a pass every `intervalMs` (default `engine.intervalMs`) until {@link Syncbridge.stop};
   * errors are logged and the loop goes on. The first pass runs at once unless `immediate` is false.
   */
  start(options: { immediate?: boolean; intervalMs?: number } & RunOptions = {}): void {
    const intervalMs = options.intervalMs ?? this.config.engine.intervalMs;
    if (this.timer) return;
    const tick = async () => {
      if (options.signal?.aborted) return;
      try {
        await this.runOnce(options.signal ? { signal: options.signal } : {});
      } catch (error) {
        this.logger.error('sync pass failed', {
          error: error instanceof SyncbridgeError ? error.toJSON() : String(error),
        });
      }
      if (this.timer) this.timer = setTimeout(tick, intervalMs);
    };
    this.timer = setTimeout(tick, options.immediate === false ? intervalMs : 0);
  }

  /** Stops the interval loop after the pass under way. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.lock.run(async () => {});
  }

  /** Stops, closes connectors and (if it opened it) the state store. */
  async close(): Promise<void> {
    await this.webhooks.stop();
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
  // Connectors are made before the integration whose `httpRequest` event reports their requests.
  let sync: Syncbridge | undefined;
  const connectors = buildConnectors(config, {
    ...(options.connectors ? { factories: options.connectors } : {}),
    ...(options.systems ? { systems: options.systems } : {}),
    context: { logger, onRequest: (event) => sync?.events.emit('httpRequest', event) },
    ...(options.configFile === undefined ? {} : { file: options.configFile }),
  });
  const name = options.name ?? 'default';
  const given = options.store;
  const store =
    given !== undefined && typeof given !== 'function'
      ? given
      : await (given ?? stateStoreFactory(config.state))({ integration: name, logger });
  if (store.integration !== name) {
    if (store !== given) await store.close();
    throw new SyncbridgeError(
      'CONFIG_INVALID',
      `the state store was opened for integration "${store.integration}", but this integration is named "${name}"; open it for "${name}" (e.g. openSqliteStateStore(file, { integration: '${name}' })) or pass a store factory`,
    );
  }
  sync = new Syncbridge(config, connectors, store, {
    clock: options.clock,
    logger,
    name,
    ownsStore: store !== given,
    file: options.configFile,
  });
  return sync;
}
