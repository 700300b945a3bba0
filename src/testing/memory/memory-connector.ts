import { SyncbridgeError, isSyncbridgeError, type Connector, type ConnectorFactory, type WorkItem } from 'syncbridge';
import {
  defaultCapabilities,
  linkTypeOf,
  type ConnectorCapabilities,
  type CreateRequest,
  type ConnectorCategory,
  type WriteResult,
} from 'syncbridge/connector-kit';
import { memoryAttachments } from './memory-attachments.js';
import { compileMemoryFilter } from './memory-filter.js';
import type { MemoryItem, MemorySystem } from './memory-system.js';

/**
 * Connector methods whose calls a {@link MemoryConnector} counts and can fail on purpose; the
 * attachments part's are `listAttachments`, `download`, `upload` and `removeAttachment`.
 */
export type MemoryMethod =
  | 'deleteItem'
  | 'query'
  | 'checkFilter'
  | 'getMany'
  | 'create'
  | 'update'
  | 'fieldChangeTimes'
  | 'findByOrigin'
  | 'findByField'
  | 'listComments'
  | 'addComment'
  | 'updateComment'
  | 'deleteComment'
  | 'latestChange'
  | 'findUsers'
  | 'upsertBacklink'
  | 'removeBacklink'
  | 'listAttachments'
  | 'download'
  | 'upload'
  | 'removeAttachment';

/**
 * A moment inside a connector call at which a test may act as a person (see
 * {@link MemoryConnector.onCall}): `before` the call acts, `after` it acted but before its
 * answer returns (a write has taken effect), or `page` between two pages of a `query`.
 */
export interface MemoryCallMoment {
  /** The method being called. */
  method: MemoryMethod;
  /** Where in the call. */
  phase: 'before' | 'after' | 'page';
  /** For `page`: how many pages the query has handed out so far. */
  pages?: number;
}

/** Knobs of a memory connector. */
export interface MemoryConnectorKnobs {
  /** Delay per call in ms. @default 0 */
  latencyMs?: number;
  /**
   * Capabilities to declare (batch sizes and so on). @default all batches 50, comments,
   * origin stamps, back-links, attachments with stamps (`attachmentStamps: false` drops them),
   * and `links` when the system's types have link fields
   */
  capabilities?: Partial<ConnectorCapabilities>;
  /** Report `updatedBy: null` on every item (a system that cannot tell who changed what). @default false */
  hideUpdatedBy?: boolean;
  /** The kind of system to pose as (`scm`/`build` poll by revision). @default 'alm' */
  category?: ConnectorCategory;
  /** Return only the written fields from create and update (as some APIs do). @default false */
  partialWriteResults?: boolean;
}

/** A connector over a {@link MemorySystem}, with call counters and fault injection for tests. */
export interface MemoryConnector extends Connector {
  /** Calls per method so far. */
  readonly calls: Record<MemoryMethod, number>;
  /**
   * Makes the next `count` calls of a method fail with `error` (a transient 503 by default; an
   * error other than a `SyncbridgeError` plays a connector's bug). For `create`, `update`,
   * `addComment`, `upload` and `removeAttachment`, `afterWrite: true` fails after the write
   * took effect (a reply lost).
   */
  failNext(method: MemoryMethod, count?: number, error?: Error, options?: { afterWrite?: boolean }): void;
  /**
   * Called at exact moments of every call (see {@link MemoryCallMoment}), awaited before the
   * call goes on: edits a test makes here land between the engine's read and its write, or
   * between two pages of a poll. A fault from `failNext` strikes after this hook.
   */
  onCall: ((moment: MemoryCallMoment) => void | Promise<void>) | undefined;
}

/** Creates a connector acting as the system's integration user. */
export function createMemoryConnector(system: MemorySystem, knobs: MemoryConnectorKnobs = {}): MemoryConnector {
  const capabilities: ConnectorCapabilities = {
    ...defaultCapabilities,
    maxCreateBatch: 50,
    maxUpdateBatch: 50,
    maxGetBatch: 100,
    conditionalUpdate: true,
    comments: true,
    commentStamps: true,
    commentUpdates: true,
    commentDeletes: true,
    originStamp: 'property',
    backlinks: true,
    attachments: true,
    attachmentStamps: true,
    links: hasLinkFields(system),
    updatedBy: !knobs.hideUpdatedBy,
    ...knobs.capabilities,
  };
  // A record, not a list: the compiler checks that every method has its counter.
  const calls: Record<MemoryMethod, number> = {
    deleteItem: 0,
    query: 0,
    checkFilter: 0,
    getMany: 0,
    create: 0,
    update: 0,
    fieldChangeTimes: 0,
    findByOrigin: 0,
    findByField: 0,
    listComments: 0,
    addComment: 0,
    updateComment: 0,
    deleteComment: 0,
    latestChange: 0,
    findUsers: 0,
    upsertBacklink: 0,
    removeBacklink: 0,
    listAttachments: 0,
    download: 0,
    upload: 0,
    removeAttachment: 0,
  };
  const faults: Array<{ method: MemoryMethod; error: Error; afterWrite: boolean }> = [];
  const me = system.integrationUser;

  const enter = async (method: MemoryMethod, phase: 'before' | 'after' = 'before') => {
    if (phase === 'before') {
      calls[method]++;
      if (knobs.latencyMs) await new Promise((r) => setTimeout(r, knobs.latencyMs));
    }
    await connector.onCall?.({ method, phase });
    const index = faults.findIndex((f) => f.method === method && f.afterWrite === (phase === 'after'));
    if (index >= 0) {
      const [fault] = faults.splice(index, 1);
      throw fault!.error;
    }
  };
  const view = (item: Parameters<MemorySystem['view']>[0], fields?: readonly string[]): WorkItem => {
    const v = system.view(item, fields);
    return knobs.hideUpdatedBy ? { ...v, updatedBy: null } : v;
  };
  const write = async (fn: () => WriteResult): Promise<WriteResult> => {
    try {
      return fn();
    } catch (error) {
      if (isSyncbridgeError(error)) return { ok: false, error };
      throw error;
    }
  };
  const written = (item: MemoryItem, fields: Record<string, unknown>): WriteResult => ({
    ok: true,
    item: view(item, knobs.partialWriteResults ? Object.keys(fields) : undefined),
  });
  // Typed links are added once the item exists: one refused leaves the item created, which the engine must link.
  const createOne = (r: CreateRequest): WriteResult => {
    const { item, linkFailure } = system.createLinked(r.project, r.type, r.fields, me, r.origin);
    return linkFailure
      ? { ok: false, error: linkFailure, created: { id: item.id, key: item.key } }
      : written(item, r.fields);
  };
  const limit = (n: number, max: number, what: string) => {
    if (n > max)
      throw new SyncbridgeError(
        'VALIDATION',
        `memory connector: ${n} items in one ${what} call exceed the declared maximum of ${max}`,
      );
  };

  const connector: MemoryConnector = {
    info: { kind: 'memory', category: knobs.category ?? 'alm', capabilities },
    calls,
    onCall: undefined,
    webhooks: system.webhooks.connectorPart(),
    ...(capabilities.attachments
      ? { attachments: memoryAttachments(system, enter, capabilities.attachmentStamps) }
      : {}),
    failNext(method, count = 1, error, options) {
      for (let i = 0; i < count; i++) {
        faults.push({
          method,
          error:
            error ??
            new SyncbridgeError('TRANSIENT', `memory connector: simulated failure of ${method}`, { retryable: true }),
          afterWrite: options?.afterWrite ?? false,
        });
      }
    },
    async testConnection() {
      return {
        ok: true,
        system: 'memory',
        stages: [{ stage: 'api', ok: true, message: 'in-memory system reachable', durationMs: 0 }],
        user: me,
      };
    },
    async whoami() {
      return me;
    },
    async listProjects() {
      return Object.entries(system.options.projects).map(([key, p]) => ({ id: key, key, name: p.name ?? key }));
    },
    async listEntityTypes(project) {
      const p = system.options.projects[project];
      if (!p) throw new SyncbridgeError('NOT_FOUND', `memory system: no project "${project}"`);
      return Object.keys(p.types).map((name) => ({ id: name, name }));
    },
    async listFields(project, type) {
      return structuredClone(system.fields(project, type));
    },
    async findUsers({ email }) {
      await enter('findUsers');
      if (system.options.hideEmails) return [];
      return system.options.users.filter((u) => u.email?.toLowerCase() === email.toLowerCase());
    },
    async *listUsers() {
      yield system.options.users.map((u) => (system.options.hideEmails ? { ...u, email: null } : { ...u }));
    },
    async *query(request) {
      await enter('query');
      system.fields(request.project, request.type);
      const predicate = request.filter ? compileMemoryFilter(request.filter) : () => true;
      const since = request.since;
      const after = (i: MemoryItem) =>
        !since || (since.kind === 'timestamp' ? i.updatedAt >= since.value : i.sequence >= Number(since.value));
      const matching = [...system.items.values()]
        .filter((i) => i.project === request.project && i.type === request.type && after(i) && predicate(i.fields))
        .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || Number(a.id) - Number(b.id));
      const size = request.pageSize ?? 50;
      for (let i = 0; i < matching.length; i += size) {
        if (request.signal?.aborted) return;
        if (i > 0) await connector.onCall?.({ method: 'query', phase: 'page', pages: i / size });
        yield matching.slice(i, i + size).map((item) => view(item, request.fields));
      }
    },
    async checkFilter({ project, type, filter }) {
      await enter('checkFilter');
      system.fields(project, type);
      try {
        compileMemoryFilter(filter);
        return [];
      } catch (error) {
        if (isSyncbridgeError(error) && error.code === 'VALIDATION') return [error.message];
        throw error;
      }
    },
    async getMany(ids, { fields }) {
      await enter('getMany');
      limit(ids.length, capabilities.maxGetBatch, 'getMany');
      return ids.flatMap((id) => {
        const item = system.items.get(id);
        return item ? [view(item, fields)] : [];
      });
    },
    async create(items) {
      await enter('create');
      limit(items.length, capabilities.maxCreateBatch, 'create');
      const results = await Promise.all(items.map((r) => write(() => createOne(r))));
      await enter('create', 'after');
      return results;
    },
    async update(items) {
      await enter('update');
      limit(items.length, capabilities.maxUpdateBatch, 'update');
      const results = await Promise.all(
        items.map((r) => write(() => written(system.update(r.id, r.fields, me, r.expectedRevision), r.fields))),
      );
      await enter('update', 'after');
      return results;
    },
    async deleteItem(id) {
      await enter('deleteItem');
      system.remove(id, me);
    },
    async fieldChangeTimes(ids, fields) {
      await enter('fieldChangeTimes');
      return Object.fromEntries(
        ids.flatMap((id) => {
          const item = system.items.get(id);
          return item
            ? [[id, Object.fromEntries(fields.filter((f) => f in item.changedAt).map((f) => [f, item.changedAt[f]!]))]]
            : [];
        }),
      );
    },
    async findByOrigin({ project, type, origins, fields }) {
      await enter('findByOrigin');
      return [...system.items.values()].flatMap((item) => {
        const origin = origins.find((o) => item.origin && o.system === item.origin.system && o.id === item.origin.id);
        return origin && item.project === project && item.type === type ? [{ origin, item: view(item, fields) }] : [];
      });
    },
    async findByField({ project, type, field, values, fields }) {
      await enter('findByField');
      return [...system.items.values()]
        .filter(
          (i) =>
            i.project === project &&
            i.type === type &&
            values.includes(field === 'key' ? i.key : field === 'id' ? i.id : String(i.fields[field] ?? '')),
        )
        .map((i) => view(i, fields));
    },
    async listComments(itemId) {
      await enter('listComments');
      return structuredClone(system.items.get(itemId)?.comments ?? []);
    },
    async addComment(itemId, body, options) {
      await enter('addComment');
      const comment = structuredClone(system.comment(itemId, body, me, options?.origin));
      await enter('addComment', 'after');
      return comment;
    },
    async updateComment(itemId, commentId, body, options) {
      await enter('updateComment');
      const comment = structuredClone(system.editComment(itemId, commentId, body, options?.origin));
      await enter('updateComment', 'after');
      return comment;
    },
    async deleteComment(itemId, commentId) {
      await enter('deleteComment');
      system.deleteComment(itemId, commentId);
    },
    titleField: 'title',
    webUrl: (item) => `https://memory.invalid/items/${encodeURIComponent(item.id)}`,
    // Back-links are kept per item by the twin's system and id; like a Jira remote link, one is no change of the item.
    async upsertBacklink(itemId, twin) {
      await enter('upsertBacklink');
      const changed = system.backlink(itemId, twin);
      await enter('upsertBacklink', 'after');
      return { changed };
    },
    async removeBacklink(itemId, twin) {
      await enter('removeBacklink');
      system.backlink(itemId, twin, true);
    },
    async latestChange(project, type) {
      await enter('latestChange');
      const items = [...system.items.values()].filter((i) => i.project === project && i.type === type);
      if (items.length === 0) return null;
      if (knobs.category === 'scm' || knobs.category === 'build')
        return { kind: 'revision', value: String(Math.max(...items.map((i) => i.sequence))) };
      return {
        kind: 'timestamp',
        // biome-ignore lint/complexity/useMathMinMax: ISO timestamps are strings, Math.max would give NaN
        value: items.reduce((max, i) => (i.updatedAt > max ? i.updatedAt : max), items[0]!.updatedAt),
      };
    },
  };
  return connector;
}

/** Whether any type of the system has link fields (`link:parent`, `link:<type>`). */
function hasLinkFields(system: MemorySystem): boolean {
  return Object.values(system.options.projects).some((project) =>
    Object.values(project.types).some((fields) => fields.some((f) => linkTypeOf(f.id) !== undefined)),
  );
}

/**
 * A connector factory for configs (`adapter: memory`): each configured system id must
 * name one of the given memory systems.
 */
export function memoryConnectorFactory(
  systems: Record<string, MemorySystem>,
  knobs: MemoryConnectorKnobs = {},
): ConnectorFactory {
  return {
    kind: 'memory',
    category: 'alm',
    create(config) {
      const system = systems[config.id];
      if (!system)
        throw new SyncbridgeError(
          'CONFIG_INVALID',
          `memory connector: no memory system named "${config.id}"; known: ${Object.keys(systems).join(', ')}`,
        );
      return createMemoryConnector(system, knobs);
    },
  };
}
