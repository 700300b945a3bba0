/**
 * A complete connector for "Ticketbox", the fictional tracker of
 * `ticketbox-simulator.ts`: the example of `docs/guides/custom-connectors.md`. It uses
 * only the public API (`syncbridge` and `syncbridge/connector-kit`), validates every response with zod and reports
 * failed writes per item.
 */
import {
  SyncbridgeError,
  isSyncbridgeError,
  type FieldDescriptor,
  type FieldValue,
  type OriginRef,
  type RichText,
  type UserRef,
  type WorkItem,
} from 'syncbridge';
import {
  apiNotFoundError,
  createHttpClient,
  defineConnector,
  diagnoseConnection,
  richTextFromPlain,
  richTextToPlain,
  systemHttpOptions,
  type WriteResult,
} from 'syncbridge/connector-kit';
import { z } from 'zod';

/** Options of a Ticketbox system (`systems.<id>.options` in the config). */
export const ticketboxOptionsSchema = z.strictObject({
  /** Tickets per search page. @default 50 */
  pageSize: z.number().int().min(1).max(100).default(50),
});

/** Validated Ticketbox options. */
export type TicketboxOptions = z.output<typeof ticketboxOptionsSchema>;

// Response shapes: validated at the boundary, so nothing unchecked reaches the engine.
const userSchema = z.object({ id: z.string(), name: z.string(), email: z.string().nullable() });
const ticketSchema = z.object({
  id: z.number(),
  project: z.string(),
  version: z.number(),
  changedAt: z.string().datetime({ offset: true }),
  changedBy: userSchema.nullable(),
  fields: z.record(z.string(), z.unknown()),
  origin: z.object({ system: z.string(), id: z.string(), key: z.string().optional() }).optional(),
});
// `next` is an opaque cursor after the last ticket of the page (never an offset, which edits between pages would shift).
const pageSchema = z.object({ tickets: z.array(ticketSchema), next: z.string().nullable() });
const fieldSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(['string', 'choice', 'tags', 'person']),
  required: z.boolean(),
  options: z.array(z.string()).optional(),
});
const commentSchema = z.object({
  id: z.string(),
  author: userSchema.nullable(),
  createdAt: z.string(),
  text: z.string(),
});

type Ticket = z.infer<typeof ticketSchema>;
type Search = {
  project?: string;
  changedSince?: string;
  ids?: number[];
  origins?: OriginRef[];
  where?: { field: string; values: string[] };
  order?: 'asc' | 'desc';
  limit?: number;
};

/** The one entity type Ticketbox has. */
const TYPE = 'Ticket';
const kinds = { string: 'text', choice: 'lookup', tags: 'multiLookup', person: 'user' } as const;
const toUser = (u: z.infer<typeof userSchema>): UserRef => ({ id: u.id, email: u.email, displayName: u.name });

/** Ticketbox's error body is `{ error, fields? }`; field messages make a failed write name the field. */
function parseTicketboxError(body: unknown) {
  const parsed = z
    .object({ error: z.string().optional(), fields: z.record(z.string(), z.string()).optional() })
    .safeParse(body);
  return parsed.success
    ? { messages: parsed.data.error ? [parsed.data.error] : [], fieldErrors: parsed.data.fields ?? {} }
    : { messages: [] };
}

/** A ticket as a system-neutral work item, with only the fields asked for. */
function toWorkItem(ticket: Ticket, fields: readonly string[]): WorkItem {
  const values: Record<string, FieldValue> = {};
  for (const id of fields) {
    const raw = ticket.fields[id];
    const owner = id === 'owner' ? userSchema.nullable().safeParse(raw ?? null) : undefined;
    values[id] = owner?.success ? owner.data && toUser(owner.data) : ((raw ?? null) as FieldValue);
  }
  return {
    id: String(ticket.id),
    key: `${ticket.project}-${ticket.id}`,
    revision: String(ticket.version),
    updatedAt: ticket.changedAt,
    updatedBy: ticket.changedBy && toUser(ticket.changedBy),
    fields: values,
  };
}

/** Field values as Ticketbox takes them: a person by id. */
function toTicketFields(fields: Record<string, FieldValue>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([id, value]) => [
      id,
      value !== null && typeof value === 'object' && 'id' in value ? value.id : value,
    ]),
  );
}

/** A failed write of one item becomes a per-item result; anything else stops the batch. */
async function perItem(write: () => Promise<WorkItem>): Promise<WriteResult> {
  try {
    return { ok: true, item: await write() };
  } catch (error) {
    if (isSyncbridgeError(error)) return { ok: false, error };
    throw error;
  }
}

/** The Ticketbox connector factory: pass it to `createSyncbridge({ connectors: [ticketboxConnector] })`. */
export const ticketboxConnector = defineConnector<TicketboxOptions>({
  kind: 'ticketbox',
  category: 'alm',
  optionsSchema: ticketboxOptionsSchema,
  // One ticket per create and update call; the search endpoint takes up to 100 ids.
  capabilities: {
    maxGetBatch: 100,
    conditionalUpdate: true,
    comments: true,
    originStamp: 'property',
    sincePrecisionMs: 1,
  },
  create(system, options, context) {
    const http = createHttpClient({
      ...systemHttpOptions(system), // base URL, credentials, timeouts, retries, proxy, TLS
      parseError: parseTicketboxError,
      onRequest: context.onRequest,
      logger: context.logger,
    });
    const me = async () => toUser(await http.request({ path: 'api/me', schema: userSchema }));
    const checkType = (type: string) => {
      if (type !== TYPE)
        throw new SyncbridgeError(
          'NOT_FOUND',
          `${system.id}: Ticketbox has no entity type "${type}"; it has only ${TYPE}`,
          { system: system.id },
        );
    };
    // The search is a read, so it may be repeated after a failure although it is a POST.
    const search = (body: Search & { cursor?: string }) =>
      http.request({ method: 'POST', path: 'api/search', json: body, schema: pageSchema, idempotent: true });
    async function* pages(body: Search): AsyncIterable<Ticket[]> {
      let cursor: string | null | undefined;
      do {
        const page: z.infer<typeof pageSchema> = await search({ ...body, ...(cursor ? { cursor } : {}) });
        if (page.tickets.length > 0) yield page.tickets;
        cursor = page.next;
      } while (cursor);
    }
    const all = async (body: Search) => {
      const out: Ticket[] = [];
      for await (const page of pages(body)) out.push(...page);
      return out;
    };

    return {
      testConnection: ({ project, type } = {}) =>
        diagnoseConnection({
          system,
          logger: context.logger,
          httpProbe: {
            path: 'api/status',
            describe: (body) => z.object({ product: z.string(), version: z.string() }).safeParse(body).data,
          },
          whoami: me,
          ...(project
            ? {
                checkProject: async () => {
                  const projects = await http.request({
                    path: 'api/projects',
                    schema: z.array(z.object({ key: z.string(), name: z.string() })),
                  });
                  if (!projects.some((p) => p.key === project))
                    throw apiNotFoundError('project', {
                      system: system.id,
                      name: project,
                      available: projects.map((p) => p.key),
                    });
                  if (type && type !== TYPE)
                    throw apiNotFoundError('type', { system: system.id, name: type, available: [TYPE] });
                  return `project ${project} is visible`;
                },
              }
            : {}),
        }),
      whoami: me,
      async listProjects() {
        const projects = await http.request({
          path: 'api/projects',
          schema: z.array(z.object({ key: z.string(), name: z.string() })),
        });
        return projects.map((p) => ({ id: p.key, key: p.key, name: p.name }));
      },
      async listEntityTypes() {
        return [{ id: TYPE, name: TYPE }];
      },
      async listFields(project, type) {
        checkType(type);
        const fields = await http.request({
          path: `api/projects/${encodeURIComponent(project)}/fields`,
          schema: z.array(fieldSchema),
        });
        return fields.map(
          (f): FieldDescriptor => ({
            id: f.id,
            name: f.name,
            kind: kinds[f.type],
            required: f.required,
            ...(f.options ? { allowedValues: f.options.map((name) => ({ name })) } : {}),
          }),
        );
      },
      async findUsers({ email }) {
        return (await http.request({ path: 'api/users', query: { email }, schema: z.array(userSchema) })).map(toUser);
      },
      async *query(request) {
        checkType(request.type);
        const where = request.filter?.match(/^\s*(\w+)\s*=\s*(.+?)\s*$/);
        if (request.filter && !where)
          throw new SyncbridgeError(
            'VALIDATION',
            `${system.id}: a Ticketbox filter is "field=value[,value]", found "${request.filter}"`,
            { system: system.id },
          );
        if (request.since?.kind === 'revision')
          throw new SyncbridgeError('UNSUPPORTED', `${system.id}: Ticketbox is polled by time, not by revision`, {
            system: system.id,
          });
        const body: Search = {
          project: request.project,
          limit: Math.min(request.pageSize ?? options.pageSize, 100),
          ...(request.since ? { changedSince: request.since.value } : {}),
          ...(where ? { where: { field: where[1]!, values: where[2]!.split(',') } } : {}),
        };
        for await (const page of pages(body)) {
          if (request.signal?.aborted) return;
          yield page.map((t) => toWorkItem(t, request.fields));
        }
      },
      async getMany(ids, { fields }) {
        // Ids are numbers in Ticketbox; anything else cannot exist there.
        const numeric = ids.filter((id) => /^\d+$/.test(id)).map(Number);
        if (numeric.length === 0) return [];
        return (await all({ ids: numeric })).map((t) => toWorkItem(t, fields));
      },
      async create(items) {
        return Promise.all(
          items.map((item) =>
            perItem(async () => {
              checkType(item.type);
              const ticket = await http.request({
                method: 'POST',
                path: 'api/tickets',
                json: { project: item.project, fields: toTicketFields(item.fields), origin: item.origin },
                schema: ticketSchema,
              });
              // The answer holds the fields set; fields asked for but left empty read as null.
              return toWorkItem(ticket, [...new Set([...Object.keys(ticket.fields), ...(item.returnFields ?? [])])]);
            }),
          ),
        );
      },
      async update(items) {
        return Promise.all(
          items.map((item) =>
            perItem(async () => {
              // If-Match makes the write conditional: a 412 becomes REVISION_MISMATCH.
              const headers: Record<string, string> =
                item.expectedRevision === undefined ? {} : { 'if-match': item.expectedRevision };
              const ticket = await http.request({
                method: 'PATCH',
                path: `api/tickets/${encodeURIComponent(item.id)}`,
                json: { fields: toTicketFields(item.fields) },
                headers,
                schema: ticketSchema,
                idempotent: false,
              });
              return toWorkItem(ticket, [...new Set([...Object.keys(ticket.fields), ...(item.returnFields ?? [])])]);
            }),
          ),
        );
      },
      async findByOrigin({ project, type, origins, fields }) {
        checkType(type);
        const tickets = await all({ project, origins: origins.map((o) => ({ system: o.system, id: o.id })) });
        return tickets.flatMap((t) => {
          const origin = origins.find((o) => o.system === t.origin?.system && o.id === t.origin.id);
          return origin ? [{ origin, item: toWorkItem(t, fields) }] : [];
        });
      },
      async findByField({ project, type, field, values, fields }) {
        checkType(type);
        return (await all({ project, where: { field, values } })).map((t) => toWorkItem(t, fields));
      },
      async listComments(itemId) {
        const comments = await http.request({
          path: `api/tickets/${encodeURIComponent(itemId)}/comments`,
          schema: z.array(commentSchema),
        });
        return comments.map((c) => ({
          id: c.id,
          itemId,
          author: c.author && toUser(c.author),
          createdAt: c.createdAt,
          body: richTextFromPlain(c.text),
        }));
      },
      async addComment(itemId, body: RichText) {
        const c = await http.request({
          method: 'POST',
          path: `api/tickets/${encodeURIComponent(itemId)}/comments`,
          json: { text: richTextToPlain(body) },
          schema: commentSchema,
        });
        return {
          id: c.id,
          itemId,
          author: c.author && toUser(c.author),
          createdAt: c.createdAt,
          body: richTextFromPlain(c.text),
        };
      },
      async latestChange(project, type) {
        checkType(type);
        const { tickets } = await search({ project, order: 'desc', limit: 1 });
        return tickets[0] ? { kind: 'timestamp', value: tickets[0].changedAt } : null;
      },
    };
  },
});
