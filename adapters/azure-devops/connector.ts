import { isSyncbridgeError, SyncbridgeError, type RemoteError, type UserRef, type Watermark, type WorkItem } from 'syncbridge';
import { defineConnector } from 'syncbridge/connector-kit';
import { z } from 'zod';
import { maxBatchRequests } from './batch.js';
import { createAdoClients, listOf, versioned } from './client.js';
import { adoComments } from './comments.js';
import { testAdoConnection } from './diagnostics.js';
import { fieldChangeTimes } from './change-times.js';
import { ItemReader, OriginTags } from './items.js';
import { AdoMetadata } from './metadata.js';
import { azureDevOpsOptionsSchema, defaultIdentitiesBaseUrl, maxUpdateBatch, type AzureDevOpsOptions } from './options.js';
import { buildWiql, queryIdsInWindows, wiqlString } from './wiql.js';
import { listGraphUsers } from './users.js';
import { ItemWriter } from './writes.js';

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

const chunk = <T>(list: T[], size: number): T[][] => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, i * size + size));

/**
 * The Azure DevOps (Services and Server) connector. Queries with WIQL and reads in
 * batches of 200, writes with JSON Patch (a `test` on `/rev` makes a concurrent edit a
 * `REVISION_MISMATCH`), sends creates and updates in `$batch` calls, converts HTML to and from rich
 * text and stamps created items with a hidden origin tag `sb-origin:<system>:<id>`.
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
  capabilities: { maxCreateBatch: maxBatchRequests, maxUpdateBatch, maxGetBatch: 200, conditionalUpdate: true, comments: true, commentStamps: true, commentUpdates: true, commentDeletes: true, originStamp: 'label', updatedBy: true, sincePrecisionMs: 1 },
  create(system, rawOptions, context) {
    const options = azureDevOpsOptionsSchema.parse(rawOptions ?? {});
    const clients = createAdoClients(system, options.identitiesBaseUrl ?? defaultIdentitiesBaseUrl(system.baseUrl), context);
    const metadata = new AdoMetadata(clients);
    const tags = new OriginTags(options.originTagPrefix ?? 'sb-origin');
    const reader = new ItemReader(clients, metadata, tags, system.id);
    const writer = new ItemWriter(clients, metadata, reader, tags, { system: system.id, batch: options.batchUpdates ?? true });
    const pageSize = options.pageSize ?? 200;

    const whoami = async (): Promise<UserRef> => identityToUser((await clients.org.request({ path: '_apis/connectionData', schema: connectionDataSchema })).authenticatedUser);

    const projectOfItem = async (id: string): Promise<string> => {
      const known = reader.scopeOf(id)?.project;
      if (known) return known;
      await reader.fetchRaw([Number(id)], []);
      const found = reader.scopeOf(id)?.project;
      if (!found) throw new SyncbridgeError('NOT_FOUND', `${system.id}: work item ${id} does not exist or is not visible`, { system: system.id });
      return found;
    };

    const findIds = async (project: string, type: string, conditions: string[]): Promise<number[]> => {
      const ids: number[] = [];
      for await (const page of queryIdsInWindows({ type, conditions }, { run: (q) => reader.wiql(project, q), oldestChange: async () => undefined, now: () => Date.now() })) ids.push(...page);
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
      listEntityTypes: (project) => metadata.types(project),
      listFields: (project, type) => metadata.describeFields(project, type),
      async findUsers({ email }) {
        const body = await clients.identities.request(versioned({ path: '_apis/identities', query: { searchFilter: 'General', filterValue: email, queryMembership: 'None' }, schema: listOf(identitySchema) }));
        return body.value.map(identityToUser);
      },
      listUsers: () => listGraphUsers(clients, system.id),
      async *query(request) {
        const since = request.since?.kind === 'timestamp' ? Date.parse(request.since.value) : undefined;
        const size = Math.min(request.pageSize ?? pageSize, 200);
        const runner = {
          run: (q: string) => reader.wiql(request.project, q, undefined, request.signal),
          oldestChange: async () => {
            const [first] = await reader.wiql(request.project, buildWiql({ type: request.type, filter: request.filter }), 1, request.signal);
            const [raw] = first === undefined ? [] : await reader.fetchRaw([first], []);
            return raw ? Date.parse(String(raw.fields['System.ChangedDate'])) : undefined;
          },
          now: () => Date.now(),
        };
        for await (const ids of queryIdsInWindows({ type: request.type, filter: request.filter, from: since }, runner)) {
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
        await clients.org.request(versioned({ method: 'DELETE', path: `_apis/wit/workitems/${encodeURIComponent(id)}` }));
      },
      async findByOrigin({ project, type, origins, fields }) {
        const out: Array<{ origin: (typeof origins)[number]; item: WorkItem }> = [];
        for (const part of chunk(origins, 50)) {
          const ids = await findIds(project, type, [part.map((o) => `[System.Tags] CONTAINS ${wiqlString(tags.tagFor(o))}`).join(' OR ')]);
          const raw: Awaited<ReturnType<typeof reader.fetchRaw>> = [];
          for (const idPart of chunk(ids, pageSize)) raw.push(...(await reader.fetchRaw(idPart, fields)));
          for (const r of raw) {
            const stamps = tags.stampsOf(r.fields['System.Tags']).map((s) => s.toLowerCase());
            const origin = part.find((o) => stamps.includes(tags.tagFor(o).toLowerCase()));
            if (origin) out.push({ origin, item: await reader.toWorkItem(r, fields) });
          }
        }
        return out;
      },
      async findByField({ project, type, field, values, fields }) {
        const out: WorkItem[] = [];
        for (const part of chunk(values, 100)) {
          out.push(...(await fetchAll(await findIds(project, type, [`[${field}] IN (${part.map(wiqlString).join(', ')})`]), fields)));
        }
        return out;
      },
      ...adoComments(clients, projectOfItem),
      async latestChange(project, type): Promise<Watermark | null> {
        const [newest] = await reader.wiql(project, buildWiql({ type, descending: true }), 1);
        if (newest === undefined) return null;
        const [item] = await reader.fetch([newest], []);
        return item ? { kind: 'timestamp', value: item.updatedAt } : null;
      },
    };
  },
});
