import {
  isSyncbridgeError,
  type RemoteError,
  SyncbridgeError,
  type UserRef,
  type Watermark,
  type WorkItem,
} from 'syncbridge';
import { defineConnector, ignoreNotFound, type BacklinkWriteResult, type QueryRequest } from 'syncbridge/connector-kit';
import { z } from 'zod';
import { maxBatchRequests } from './batch.js';
import { createAdoClients, listOf, versioned } from './client.js';
import { adoWebhooks } from './webhooks.js';
import { adoAttachments, attachmentUrlsOf, defaultAttachmentMaxBytes } from './attachments.js';
import { adoComments } from './comments.js';
import { testAdoConnection } from './diagnostics.js';
import { fieldChangeTimes } from './change-times.js';
import { ItemReader, OriginTags } from './items.js';
import { AdoMetadata } from './metadata.js';
import {
  azureDevOpsOptionsSchema,
  defaultIdentitiesBaseUrl,
  maxUpdateBatch,
  type AzureDevOpsOptions,
} from './options.js';
import { buildWiql, queryIdsInWindows, wiqlString } from './wiql.js';
import { listGraphUsers } from './users.js';
import { ItemWriter } from './writes.js';
import { backlinkPatch, removeBacklinkPatch } from './hyperlinks.js';
import { patchContentType } from './batch.js';
import { workItemJsonSchema } from './client.js';
import type { PatchOperation } from './patch.js';

const identitySchema = z.object({
  id: z.string(),
  providerDisplayName: z.string().nullish(),
  customDisplayName: z.string().nullish(),
  properties: z.record(z.string(), z.object({ $value: z.unknown() }).passthrough()).nullish(),
});
const connectionDataSchema = z.object({ authenticatedUser: identitySchema, deploymentType: z.string().optional() });

function identityToUser(identity: z.infer<typeof identitySchema>): UserRef {
  const account = identity.properties?.Account?.$value;
  const mail = identity.properties?.Mail?.$value;
  const id = typeof account === 'string' && account ? account : identity.id;
  const email = typeof mail === 'string' && mail ? mail : id.includes('@') ? id : null;
  return { id, email, displayName: identity.customDisplayName ?? identity.providerDisplayName ?? null };
}

/**
 * The condition that leaves out of a poll's overlap the items whose last change is the
 * integration user's own (`@Me`: the credentials the connector writes with) made before the
 * engine's watermark, except the items the engine names (see `QueryRequest.ownChanges`).
 * @see https://learn.microsoft.com/en-us/azure/devops/boards/queries/wiql-syntax#macros
 */
function ownChangesLeftOut(request: QueryRequest): string[] {
  const own = request.ownChanges;
  if (own?.before.kind !== 'timestamp' || request.since?.kind !== 'timestamp') return [];
  const except = own.except.map(Number).filter(Number.isInteger);
  return [
    [
      `[System.ChangedDate] >= ${wiqlString(new Date(own.before.value).toISOString())}`,
      '[System.ChangedBy] <> @Me',
      ...(except.length > 0 ? [`[System.Id] IN (${except.join(', ')})`] : []),
    ].join(' OR '),
  ];
}

const chunk = <T>(list: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, i * size + size));

/**
 * The Azure DevOps (Services and Server) connector. Queries with WIQL and reads in
 * batches of 200, writes with JSON Patch (a `test` on `/rev` makes a concurrent edit a
 * `REVISION_MISMATCH`), sends creates and updates in `$batch` calls, converts HTML to and from rich
 * text, stamps created items with a hyperlink to their origin (or, with `originStamp: 'tag'`, a
 * tag `sb-origin:<system>:<id>`; both are read) and shows each item its twin as a hyperlink.
 *
 * ```ts
 * import { azureDevOpsConnector } from 'syncbridge/azure-devops';
 * createSyncbridge({ config, connectors: [azureDevOpsConnector] });
 * ```
 */
export const azureDevOpsConnector = defineConnector<AzureDevOpsOptions>({
  kind: 'azure-devops',
  category: 'alm',
  optionsSchema: azureDevOpsOptionsSchema,
  capabilities: {
    maxCreateBatch: maxBatchRequests,
    maxUpdateBatch,
    maxGetBatch: 200,
    conditionalUpdate: true,
    comments: true,
    commentStamps: true,
    commentUpdates: true,
    commentDeletes: true,
    originStamp: 'link',
    backlinks: true,
    attachments: true,
    attachmentStamps: true,
    links: true,
    updatedBy: true,
    sincePrecisionMs: 1,
  },
  create(system, rawOptions, context) {
    const options = azureDevOpsOptionsSchema.parse(rawOptions ?? {});
    const clients = createAdoClients(
      system,
      options.identitiesBaseUrl ?? defaultIdentitiesBaseUrl(system.baseUrl),
      context,
    );
    const metadata = new AdoMetadata(clients);
    const tags = new OriginTags(options.originTagPrefix ?? 'sb-origin');
    const stamp = options.originStamp ?? 'hyperlink';
    const reader = new ItemReader(clients, metadata, tags, system.id, stamp === 'hyperlink');
    const orgUrl = system.baseUrl.replace(/\/+$/, '');
    const writer = new ItemWriter(clients, metadata, reader, tags, {
      system: system.id,
      batch: options.batchUpdates ?? true,
      stamp,
      orgUrl,
    });

    // A patch testing `/rev` may be sent again after a lost answer: a second run fails its test instead of adding a second link.
    const patch = (id: string, ops: PatchOperation[]) =>
      clients.org.request(
        versioned({
          method: 'PATCH',
          path: `_apis/wit/workitems/${encodeURIComponent(id)}`,
          json: ops,
          contentType: patchContentType,
          schema: workItemJsonSchema,
          idempotent: ops[0]?.op === 'test',
        }),
      );
    const pageSize = options.pageSize ?? 200;

    const whoami = async (): Promise<UserRef> =>
      identityToUser(
        (await clients.org.request({ path: '_apis/connectionData', schema: connectionDataSchema })).authenticatedUser,
      );

    const projectOfItem = async (id: string): Promise<string> => {
      const known = reader.scopeOf(id)?.project;
      if (known) return known;
      await reader.fetchRaw([Number(id)], []);
      const found = reader.scopeOf(id)?.project;
      if (!found)
        throw new SyncbridgeError('NOT_FOUND', `${system.id}: work item ${id} does not exist or is not visible`, {
          system: system.id,
        });
      return found;
    };

    const findIds = async (project: string, type: string, conditions: string[]): Promise<number[]> => {
      const ids: number[] = [];
      for await (const page of queryIdsInWindows(
        { type, conditions },
        { run: (q) => reader.wiql(project, q), oldestChange: async () => undefined, now: () => Date.now() },
      ))
        ids.push(...page);
      return ids;
    };

    const fetchAll = async (ids: number[], fields: string[]): Promise<WorkItem[]> => {
      const out: WorkItem[] = [];
      for (const part of chunk(ids, pageSize)) out.push(...(await reader.fetch(part, fields)));
      return out;
    };

    return {
      testConnection: (request = {}) => testAdoConnection(system, context.logger, metadata, whoami, request),
      whoami,
      listProjects: () => metadata.projects(),
      webhooks: adoWebhooks(clients.org),
      attachments: adoAttachments({
        clients,
        reader,
        system: system.id,
        maxBytes: options.attachmentMaxBytes ?? defaultAttachmentMaxBytes,
      }),
      listEntityTypes: (project) => metadata.types(project),
      listFields: (project, type) => metadata.describeFields(project, type),
      async findUsers({ email }) {
        const body = await clients.identities.request(
          versioned({
            path: '_apis/identities',
            query: { searchFilter: 'General', filterValue: email, queryMembership: 'None' },
            schema: listOf(identitySchema),
          }),
        );
        return body.value.map(identityToUser);
      },
      listUsers: () => listGraphUsers(clients, system.id),
      async *query(request) {
        const since = request.since?.kind === 'timestamp' ? Date.parse(request.since.value) : undefined;
        const size = Math.min(request.pageSize ?? pageSize, 200);
        const runner = {
          run: (q: string) => reader.wiql(request.project, q, undefined, request.signal),
          oldestChange: async () => {
            const [first] = await reader.wiql(
              request.project,
              buildWiql({ type: request.type, filter: request.filter }),
              1,
              request.signal,
            );
            const [raw] = first === undefined ? [] : await reader.fetchRaw([first], []);
            return raw ? Date.parse(String(raw.fields['System.ChangedDate'])) : undefined;
          },
          now: () => Date.now(),
        };
        for await (const ids of queryIdsInWindows(
          { type: request.type, filter: request.filter, conditions: ownChangesLeftOut(request), from: since },
          runner,
        )) {
          for (const part of chunk(ids, size)) {
            const items = await reader.fetch(part, request.fields, request.signal);
            if (items.length) yield items;
          }
        }
      },
      /**
       * Runs the WIQL `query` would send with `$top=1`; the service answers 400 with its message
       * (TF51005 for an unknown field, TF51006 for a syntax error) for a query it refuses.
       * @see https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/wiql/query-by-wiql
       */
      async checkFilter({ project, type, filter }) {
        try {
          await reader.wiql(project, buildWiql({ type, filter }), 1);
          return [];
        } catch (error) {
          if (!isSyncbridgeError(error) || error.details.status !== 400) throw error;
          const messages = (error as RemoteError).remoteMessages;
          return messages.length > 0 ? messages : [error.message];
        }
      },
      getMany: (ids, { fields }) => reader.fetch(ids.map(Number).filter(Number.isInteger), fields),
      create: (items) => writer.create(items),
      update: (items) => writer.update(items),
      fieldChangeTimes: (ids, fields) => fieldChangeTimes(clients, ids, fields),
      /** Moves the work item to the recycle bin (restorable). @see https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/work-items/delete */
      async deleteItem(id) {
        await clients.org.request(
          versioned({ method: 'DELETE', path: `_apis/wit/workitems/${encodeURIComponent(id)}` }),
        );
      },
      /**
       * One WIQL query per 50 origins: their tag stamps, and under hyperlink stamps every item with
       * a hyperlink (WIQL compares link counts, not link URLs); the candidates are read with their
       * relations and matched by the stamps they carry.
       */
      async findByOrigin({ project, type, origins, fields }) {
        // One query per 50 origins for tag stamps (written by earlier versions); work items with a
        // hyperlink (the stamp) are asked for once, by the first. Each candidate is read once.
        const ids = new Set<number>();
        for (const [n, part] of chunk(origins, 50).entries()) {
          const byTag = part.map((o) => `[System.Tags] CONTAINS ${wiqlString(tags.tagFor(o))}`);
          const conditions = [...(n === 0 && stamp === 'hyperlink' ? ['[System.HyperLinkCount] > 0'] : []), ...byTag];
          for (const id of await findIds(project, type, [conditions.join(' OR ')])) ids.add(id);
        }
        const out: Array<{ origin: (typeof origins)[number]; item: WorkItem }> = [];
        for (const idPart of chunk([...ids], pageSize)) {
          for (const r of await reader.fetchRaw(idPart, fields)) {
            const stamps = reader.originsOf(r);
            const origin = origins.find((o) => stamps.some((s) => s.system === o.system && s.id === o.id));
            if (origin) out.push({ origin, item: await reader.toWorkItem(r, fields) });
          }
        }
        return out;
      },
      titleField: 'System.Title',
      webUrl: (item: { id: string; key: string; scope?: WorkItem['scope'] }) => {
        const project = item.scope?.projects?.[0] ?? reader.scopeOf(item.id)?.project;
        return `${orgUrl}${project ? `/${encodeURIComponent(project)}` : ''}/_workitems/edit/${encodeURIComponent(item.id)}`;
      },
      /**
       * A `Hyperlink` relation to the twin, found again by the twin's system and id in its URL's
       * fragment: replaced when the twin's key or title changed, left alone when it is as wanted.
       * The write tests the agreed revision, so its new revision can be agreed on too; when
       * somebody changed the item meanwhile it is made without the test and reports no revision.
       * @see https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/work-items/update#add-a-link
       */
      async upsertBacklink(itemId, twin, opts = {}): Promise<BacklinkWriteResult> {
        const raw = await reader.withRelations(itemId);
        const ops = backlinkPatch(raw, twin);
        if (ops.length === 0) return { changed: false };
        const expected =
          opts.expectedRevision !== undefined && /^\d+$/.test(opts.expectedRevision)
            ? Number(opts.expectedRevision)
            : undefined;
        if (expected === raw.rev) {
          try {
            const saved = await patch(itemId, [{ op: 'test', path: '/rev', value: expected }, ...ops]);
            return {
              changed: true,
              revision: {
                revision: String(saved.rev),
                updatedAt: new Date(String(saved.fields['System.ChangedDate'])).toISOString(),
              },
            };
          } catch (error) {
            if (!(error instanceof SyncbridgeError && error.code === 'REVISION_MISMATCH')) throw error;
            return this.upsertBacklink!(itemId, twin);
          }
        }
        await patch(itemId, ops);
        return { changed: true };
      },
      async removeBacklink(itemId, twin) {
        const raw = await ignoreNotFound(reader.withRelations(itemId));
        if (raw === undefined) return;
        const op = removeBacklinkPatch(raw, twin);
        if (op) await patch(itemId, [op]);
      },
      async findByField({ project, type, field, values, fields }) {
        const out: WorkItem[] = [];
        for (const part of chunk(values, 100)) {
          out.push(
            ...(await fetchAll(
              await findIds(project, type, [`[${field}] IN (${part.map(wiqlString).join(', ')})`]),
              fields,
            )),
          );
        }
        return out;
      },
      ...adoComments(clients, projectOfItem, async (id) => attachmentUrlsOf(await reader.withRelations(id))),
      async latestChange(project, type): Promise<Watermark | null> {
        const [newest] = await reader.wiql(project, buildWiql({ type, descending: true }), 1);
        if (newest === undefined) return null;
        const [item] = await reader.fetch([newest], []);
        return item ? { kind: 'timestamp', value: item.updatedAt } : null;
      },
    };
  },
});
