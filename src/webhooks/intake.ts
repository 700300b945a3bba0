import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { MappingConfig, SyncbridgeConfig, WebhookSettings } from '../config/schema.js';
import type { Connector } from '../connector/connector.js';
import type { RunSummary } from '../engine/events.js';
import { integrationUserIds } from '../engine/users.js';
import { isSyncbridgeError, SyncbridgeError } from '../errors/syncbridge-error.js';
import { silentLogger, type Logger } from '../logger.js';
import type { InboxDepth, InboxEntry, Side, StateStore } from '../state/state-store.js';
import { BodyTooLarge, readBody } from './body.js';
import { registrations, type WebhookSystemRegistrations } from './registration.js';
import { inboxItemsOf } from './routing.js';

/** What the intake needs of an integration (a {@link Syncbridge} is one). */
export interface WebhookHost {
  readonly config: SyncbridgeConfig;
  readonly connectors: Record<string, Connector>;
  readonly store: StateStore;
  syncItems(pair: string, side: Side, ids: string[]): Promise<RunSummary>;
}

/** Options of {@link WebhookIntake.handle}. */
export interface WebhookHandleOptions {
  /** The system the delivery comes from. Default: the last segment of the request's path (`/webhooks/jira` → `jira`). */
  system?: string | undefined;
}

/** What one {@link WebhookIntake.processInbox} did. */
export interface InboxRunSummary {
  /** Inbox entries taken (several deliveries of one item are several entries). */
  entries: number;
  /** Items handed to `syncItems`. */
  synced: number;
  /** `syncItems` calls made (one per pair and side of a batch: a burst on one item is one call). */
  syncs: number;
  /** Items acknowledged and not synced: not linked, and outside their mapping side's filter. */
  outsideFilter: number;
  /** Items handed back for later (their pair was busy in another process, the integration inactive, a sync failed). */
  deferred: number;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** Items claimed from the inbox at once. */
const claimLimit = 50;
/** How often old delivery ids are pruned. */
const pruneEveryMs = 3_600_000;

/**
 * Real-time intake of an integration (`sync.webhooks`): {@link WebhookIntake.handle} verifies
 * a delivery and stores its items in the state store's inbox before answering; the
 * processing loop ({@link WebhookIntake.start}, or {@link WebhookIntake.processInbox} once)
 * syncs them through `syncItems`. Registration of the webhooks is here too.
 */
export class WebhookIntake {
  /** This instance, as the inbox's claims name it. */
  readonly owner = `${hostname()} pid ${process.pid} webhooks (${randomUUID().slice(0, 8)})`;
  private readonly users = new Map<string, Promise<string[]>>();
  private running: Promise<void> | undefined;
  private stopping = false;
  private sleeper: { timer: NodeJS.Timeout; until: number; resolve: () => void } | undefined;
  private lastPrune = 0;
  private woken = false;

  /** @internal Made by the integration: use `sync.webhooks`. */
  constructor(
    private readonly host: WebhookHost,
    private readonly options: { logger?: Logger | undefined; name: string },
  ) {}

  private get logger(): Logger {
    return this.options.logger ?? silentLogger;
  }

  /** The `webhooks` settings; throws `CONFIG_INVALID` when the configuration has none. */
  private settings(): WebhookSettings {
    const settings = this.host.config.webhooks;
    if (!settings)
      throw new SyncbridgeError(
        'CONFIG_INVALID',
        'the configuration has no `webhooks` section; add one naming the systems that deliver webhooks and their secrets (see the webhooks guide)',
      );
    return settings;
  }

  /**
   * Takes one webhook delivery (a Web-standard `Request`, so it mounts in any framework; see
   * `toNodeHandler` for Node's http and Express). Answers 405 to anything but POST, 404 to a
   * system not configured under `webhooks.systems`, 413 to a body over `maxBodyBytes`, 401 or
   * 400 to a delivery the connector does not verify — changing nothing then. A verified
   * delivery's items (those in a mapping's project and type, not caused by the integration
   * user) are stored in the inbox before the 200 answer; a redelivery (a delivery id seen
   * before) is answered 200 and dropped. A store that fails is answered 503, so the system
   * delivers again.
   */
  async handle(request: Request, options: WebhookHandleOptions = {}): Promise<Response> {
    const settings = this.host.config.webhooks;
    if (request.method !== 'POST') return json(405, { error: 'webhook deliveries are POSTed' }, { allow: 'POST' });
    const system = options.system ?? new URL(request.url).pathname.split('/').filter(Boolean).at(-1) ?? '';
    const secret = settings?.systems[system]?.secret;
    const connector = this.host.connectors[system];
    if (!settings || secret === undefined || !connector)
      return json(404, { error: `no system "${system}" takes webhooks here` });
    if (!connector.webhooks)
      return json(404, { error: `system "${system}" (${connector.info.kind}) cannot verify webhooks` });
    let body: Uint8Array;
    try {
      body = await readBody(request, settings.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        this.logger.warn('refused a webhook delivery: too large', { system, limit: settings.maxBodyBytes });
        return json(413, { error: error.message });
      }
      return json(400, { error: 'the body could not be read' });
    }
    const verified = await connector.webhooks.verify(
      { method: request.method, url: request.url, headers: request.headers, body },
      secret,
    );
    if (!verified.ok) {
      this.logger.warn('refused a webhook delivery', { system, status: verified.status, reason: verified.reason });
      return json(verified.status, { error: verified.reason });
    }
    const items = inboxItemsOf(system, verified.events, this.host.config.mappings, await this.integrationUsers(system));
    let added: boolean;
    try {
      added = await this.host.store.addToInbox({
        system,
        deliveryId: verified.deliveryId,
        items,
        settleMs: settings.coalesceMs,
      });
    } catch (error) {
      this.logger.error('could not store a webhook delivery; the system will deliver it again', {
        system,
        deliveryId: verified.deliveryId,
        error: isSyncbridgeError(error) ? error.toJSON() : String(error),
      });
      return json(503, { error: 'the delivery could not be stored; deliver it again' }, { 'retry-after': '5' });
    }
    this.logger.info(added ? 'webhook delivery stored' : 'webhook redelivery dropped', {
      system,
      deliveryId: verified.deliveryId,
      events: verified.events.length,
      items: items.length,
    });
    if (added && items.length > 0) this.wake();
    return json(200, added ? { accepted: items.length } : { accepted: 0, duplicate: true });
  }

  /** The ids and e-mail of a system's integration user, whose own changes are not queued. */
  private async integrationUsers(system: string): Promise<string[]> {
    const configured = this.host.config.systems[system]?.integrationUser;
    let ids = this.users.get(system);
    if (!ids) {
      ids = integrationUserIds(this.host.connectors[system]!, configured);
      this.users.set(system, ids);
    }
    try {
      return await ids;
    } catch (error) {
      // Not cached: asked again with the next delivery. The snapshots still stop echoes.
      this.users.delete(system);
      this.logger.warn('could not tell who the integration user is', { system, error: String(error) });
      return configured ? [configured] : [];
    }
  }

  /**
   * Syncs what waits in the inbox and is due (entries wait `coalesceMs` for more of their
   * item), until nothing due is left: claims items atomically (no other process syncs them at
   * the same time), checks filters, and syncs each pair and side's items in one `syncItems`
   * call under the pair's lease. Items whose sync failed are handed back for `retryAfterMs`.
   */
  async processInbox(): Promise<InboxRunSummary> {
    const settings = this.settings();
    const { store } = this.host;
    const summary: InboxRunSummary = { entries: 0, synced: 0, syncs: 0, outsideFilter: 0, deferred: 0 };
    await this.prune(settings);
    const deferred: number[] = [];
    try {
      for (;;) {
        const entries = await store.claimInbox({
          owner: this.owner,
          ttlMs: this.host.config.engine.leaseMs,
          limit: claimLimit,
        });
        if (entries.length === 0) break;
        summary.entries += entries.length;
        const groups = new Map<string, { pair: string; side: Side; entries: InboxEntry[] }>();
        for (const entry of entries) {
          const key = `${entry.pair}\u0000${entry.side}`;
          const group = groups.get(key) ?? { pair: entry.pair, side: entry.side, entries: [] };
          group.entries.push(entry);
          groups.set(key, group);
        }
        for (const group of groups.values()) {
          const seqs = group.entries.map((e) => e.seq);
          if (await this.syncGroup(group, summary)) await store.completeInbox(this.owner, seqs);
          else deferred.push(...seqs);
        }
      }
    } finally {
      // Handed back only now: released at once, they would be claimed again by this very run.
      if (deferred.length > 0) await store.releaseInbox(this.owner, deferred, settings.retryAfterMs);
    }
    return summary;
  }

  /** Syncs one pair and side's claimed items; false when they are to be tried again later. */
  private async syncGroup(
    group: { pair: string; side: Side; entries: InboxEntry[] },
    summary: InboxRunSummary,
  ): Promise<boolean> {
    const mapping = this.host.config.mappings.find((m) => m.name === group.pair);
    if (!mapping) return true; // the mapping was removed since the delivery
    const ids = [...new Set(group.entries.map((e) => e.itemId))];
    try {
      const within = await this.withinFilter(mapping, group.side, ids, group.entries);
      summary.outsideFilter += ids.length - within.length;
      if (within.length === 0) return true;
      await this.host.syncItems(group.pair, group.side, within);
      summary.syncs++;
      summary.synced += within.length;
      return true;
    } catch (error) {
      summary.deferred += ids.length;
      const busy = isSyncbridgeError(error) && error.code === 'INTEGRATION_BUSY';
      this.logger[busy ? 'info' : 'warn']('webhook items handed back for later', {
        pair: group.pair,
        side: group.side,
        items: ids.length,
        error: isSyncbridgeError(error) ? error.toJSON() : String(error),
      });
      return false;
    }
  }

  /**
   * The items to sync: linked ones (they sync as polling would sync them), and unlinked ones
   * that match the side's filter, asked of the system with the filter over the delivered
   * changes' window (one query per batch, not one per item).
   */
  private async withinFilter(mapping: MappingConfig, side: Side, ids: string[], entries: InboxEntry[]) {
    const { filter, system, project, type } = mapping[side];
    const connector = this.host.connectors[system]!;
    if (filter === undefined || (connector.info.category !== 'alm' && connector.info.category !== 'plm')) return ids;
    const states = await this.host.store.loadItems(mapping.name, side, ids);
    const linked = new Set(states.filter((s) => s.link).map((s) => s.itemId));
    const wanted = new Set(ids.filter((id) => !linked.has(id)));
    if (wanted.size === 0) return ids;
    const earliest = Math.min(...entries.map((e) => Date.parse(e.changedAt ?? e.receivedAt)));
    // Back by the system's precision and a margin for clocks: the query's window must hold the change.
    const since = new Date(earliest - connector.info.capabilities.sincePrecisionMs - 60_000).toISOString();
    const found = new Set<string>();
    for await (const page of connector.query({
      project,
      type,
      filter,
      since: { kind: 'timestamp', value: since },
      fields: [],
      pageSize: this.host.config.engine.pageSize,
    })) {
      for (const item of page) if (wanted.has(item.id)) found.add(item.id);
      if (found.size === wanted.size) break;
    }
    return ids.filter((id) => linked.has(id) || found.has(id));
  }

  private async prune(settings: WebhookSettings): Promise<void> {
    if (Date.now() - this.lastPrune < pruneEveryMs) return;
    this.lastPrune = Date.now();
    const pruned = await this.host.store.pruneDeliveries(
      new Date(Date.now() - settings.deliveryRetentionMs).toISOString(),
    );
    if (pruned > 0) this.logger.debug('forgot old webhook delivery ids', { pruned });
  }

  /** How many inbox entries wait, and since when (for metrics and readiness). */
  depth(): Promise<InboxDepth> {
    return this.host.store.inboxDepth();
  }

  /**
   * Starts the processing loop: the inbox is processed as deliveries arrive here (after
   * `coalesceMs`), and every `pollMs` for deliveries other processes took. Errors are logged
   * and the loop goes on. Throws `CONFIG_INVALID` without a `webhooks` section.
   */
  start(): void {
    const settings = this.settings();
    if (this.running) return;
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) {
        try {
          await this.processInbox();
        } catch (error) {
          this.logger.error('processing the webhook inbox failed', {
            error: isSyncbridgeError(error) ? error.toJSON() : String(error),
          });
        }
        if (!this.stopping) await this.sleep(settings.pollMs);
      }
    })();
  }

  /** Stops the processing loop after the sync under way; what waits in the inbox stays there. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.sleeper?.resolve();
    await this.running;
    this.running = undefined;
  }

  private sleep(ms: number): Promise<void> {
    // A delivery stored while the inbox was being processed is due after the window, not after pollMs.
    if (this.woken) ms = Math.min(ms, (this.host.config.webhooks?.coalesceMs ?? 0) + 5);
    this.woken = false;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(this.sleeper?.timer);
        this.sleeper = undefined;
        resolve();
      };
      this.sleeper = { timer: setTimeout(done, ms), until: Date.now() + ms, resolve: done };
    });
  }

  /** A delivery was stored: the loop wakes once its items are due. */
  private wake(): void {
    const sleeper = this.sleeper;
    if (!sleeper) this.woken = true;
    const due = Date.now() + (this.host.config.webhooks?.coalesceMs ?? 0) + 5;
    if (!sleeper || sleeper.until <= due) return;
    clearTimeout(sleeper.timer);
    sleeper.until = due;
    sleeper.timer = setTimeout(sleeper.resolve, due - Date.now());
  }

  /**
   * Registers the webhooks of every system under `webhooks.systems` (idempotent: run it again
   * after changing mappings, and the registrations are updated, never doubled): for each, one
   * registration named for this integration and system, delivering to `<webhooks.url>/<systemId>`,
   * scoped to the projects, types and filters of the mappings' sides on that system.
   */
  register(): Promise<WebhookSystemRegistrations[]> {
    return registrations(this.host, this.settings(), this.options.name).register();
  }

  /** This integration's registrations, per system under `webhooks.systems`. */
  list(): Promise<WebhookSystemRegistrations[]> {
    return registrations(this.host, this.settings(), this.options.name).list();
  }

  /** Removes this integration's registrations; returns what was removed, per system. */
  unregister(): Promise<WebhookSystemRegistrations[]> {
    return registrations(this.host, this.settings(), this.options.name).unregister();
  }
}
