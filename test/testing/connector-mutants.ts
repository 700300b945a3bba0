import { RemoteError, type Connector, type FieldValue, type OriginRef, type WorkItem } from 'syncbridge';
import {
  PARENT_FIELD,
  type ConnectorAttachments,
  type CreateRequest,
  type QueryRequest,
  type WriteResult,
} from 'syncbridge/connector-kit';
import type { MemoryConnector, MemorySystem } from 'syncbridge/testing';

/** A memory connector with one seeded bug, and the conformance case expected to catch it. */
export interface ConnectorMutant {
  /** The bug, as a reviewer would describe it. */
  name: string;
  /** The name of a case that must fail. */
  caughtBy: string;
  /** Wraps a correct connector into the buggy one. */
  wrap(connector: MemoryConnector, system: MemorySystem): Connector;
}

const cases = {
  create: 'creates items in batches and reads them back with equal values',
  unknown: 'leaves unknown ids out of getMany',
  query: 'queries changed items oldest first in pages, honouring the window',
  paging: 'skips no item when items already read change between two pages',
  update: 'updates with the expected revision and refuses a stale one',
  who: 'reports who changed an item last',
  origin: 'finds created items by their origin stamp without exposing it',
  byField: 'finds items by a field value',
  comments: 'adds and lists comments as the integration user',
  latest: 'tells the latest change of a project for the polling start',
  filter: 'applies a query filter together with the window',
  returned: 'returns the fields asked for with returnFields when creating',
  commentChange: 'counts a new comment as a change of its item (revision and updatedAt)',
  checkFilter:
    "checks filters as the query would run them: accepts a good one, refuses a broken one with the system's message",
  files: 'uploads text, binary, non-ASCII-named and empty files, lists them oldest first and downloads the same bytes',
  stamps: 'stamps an uploaded copy with its origin and reads it back, leaving a plain upload unstamped',
  tooLarge: 'refuses a file over maxBytes() with ATTACHMENT_TOO_LARGE before opening it, uploading nothing',
  removal: 'removes an attachment, and a second removal of it is not an error',
  linkFields: 'lists link fields: link:parent as a reference, each link type as a multiLookup without allowed values',
  links: 'writes a typed link field as the exact set of ids, read back sorted by getMany and query',
  parent: 'sets a parent through link:parent, reads it back with its key, then clears it',
  createParent: 'creates an item carrying its parent',
};

async function all(pages: AsyncIterable<WorkItem[]>): Promise<WorkItem[]> {
  const out: WorkItem[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

/** Re-pages items as a connector would hand them out. */
async function* paged(items: WorkItem[], size: number): AsyncIterable<WorkItem[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

const pick = (fields: Record<string, FieldValue>, ids: string[]) =>
  Object.fromEntries(Object.entries(fields).filter(([id]) => ids.includes(id)));
/** Results carrying only the fields written (a connector that drops `returnFields`). */
const writtenOnly = (results: WriteResult[], requests: Array<{ fields: Record<string, FieldValue> }>): WriteResult[] =>
  results.map((result, n) =>
    result.ok
      ? { ...result, item: { ...result.item, fields: pick(result.item.fields, Object.keys(requests[n]!.fields)) } }
      : result,
  );
const textsOf = (value: FieldValue | undefined): string[] =>
  value === null || value === undefined
    ? []
    : Array.isArray(value)
      ? value
      : typeof value === 'object'
        ? []
        : [String(value)];
const mutant = (name: string, caughtBy: keyof typeof cases, wrap: ConnectorMutant['wrap']): ConnectorMutant => ({
  name,
  caughtBy: cases[caughtBy],
  wrap,
});
/** The connector with its attachments part changed. */
const withAttachments = (
  c: MemoryConnector,
  change: (part: ConnectorAttachments) => Partial<ConnectorAttachments>,
) => ({
  ...c,
  attachments: { ...c.attachments!, ...change(c.attachments!) },
});
const blocks = 'link:Blocks';
const query = (c: MemoryConnector, change: (r: QueryRequest) => QueryRequest) => (r: QueryRequest) =>
  c.query(change(r));

/** Single seeded bugs of the kinds custom connectors were found to have. */
export const connectorMutants: ConnectorMutant[] = [
  mutant('getMany ignores the ids, reading the first items', 'create', (c, system) => ({
    ...c,
    getMany: (ids, o) => c.getMany([...system.items.keys()].slice(0, ids.length), o),
  })),
  mutant('getMany returns an item not asked for', 'create', (c, system) => ({
    ...c,
    async getMany(ids, o) {
      const extra = [...system.items.keys()].find((id) => !ids.includes(id));
      return [...(await c.getMany(ids, o)), ...(extra ? await c.getMany([extra], o) : [])];
    },
  })),
  mutant('getMany returns a stub for a missing id', 'unknown', (c) => ({
    ...c,
    async getMany(ids, o) {
      const read = await c.getMany(ids, o);
      return ids.map(
        (id) =>
          read.find((r) => r.id === id) ?? {
            id,
            key: id,
            revision: '0',
            updatedAt: new Date(0).toISOString(),
            updatedBy: null,
            fields: {},
          },
      );
    },
  })),
  mutant('getMany returns only the title', 'create', (c) => ({
    ...c,
    getMany: (ids) => c.getMany(ids, { fields: ['title'] }),
  })),
  mutant('query ignores since', 'query', (c) => ({ ...c, query: query(c, (r) => ({ ...r, since: undefined })) })),
  mutant('query ignores the filter', 'filter', (c) => ({
    ...c,
    query: query(c, (r) => ({ ...r, filter: undefined })),
  })),
  mutant('query hands out the newest change first', 'query', (c) => ({
    ...c,
    query: async function* (r) {
      yield* paged((await all(c.query(r))).reverse(), r.pageSize ?? 50);
    },
  })),
  mutant('query ignores pageSize', 'query', (c) => ({ ...c, query: query(c, (r) => ({ ...r, pageSize: 1000 })) })),
  mutant('query pages hold one item more than asked', 'query', (c) => ({
    ...c,
    query: query(c, (r) => ({ ...r, pageSize: (r.pageSize ?? 50) + 1 })),
  })),
  mutant('query drops the last page', 'query', (c) => ({
    ...c,
    query: async function* (r) {
      const size = r.pageSize ?? 50;
      const items = await all(c.query(r));
      yield* paged(items.slice(0, Math.max(size, items.length - (items.length % size || size))), size);
    },
  })),
  mutant('query takes since as exclusive', 'query', (c) => ({
    ...c,
    query: async function* (r) {
      yield* paged(
        (await all(c.query(r))).filter((i) => i.updatedAt !== r.since?.value),
        r.pageSize ?? 50,
      );
    },
  })),
  mutant('query returns no field values', 'query', (c) => ({
    ...c,
    query: async function* (r) {
      for await (const page of c.query(r)) yield page.map((i) => ({ ...i, fields: {} }));
    },
  })),
  mutant('findByField ignores the field, matching any field', 'byField', (c, system) => ({
    ...c,
    async findByField(r) {
      const items = [...system.items.values()].filter((i) =>
        Object.values(i.fields).some((v) => textsOf(v).some((t) => r.values.includes(t))),
      );
      return c.getMany(
        items.map((i) => i.id),
        { fields: r.fields },
      );
    },
  })),
  mutant('findByField looks for the first value only', 'byField', (c) => ({
    ...c,
    findByField: (r) => c.findByField({ ...r, values: r.values.slice(0, 1) }),
  })),
  mutant('findByOrigin ignores the origins', 'origin', (c, system) => ({
    ...c,
    findByOrigin: (r) =>
      c.findByOrigin({ ...r, origins: [...system.items.values()].flatMap((i) => (i.origin ? [i.origin] : [])) }),
  })),
  mutant('findByOrigin reports the first origin asked for on every match', 'origin', (c) => ({
    ...c,
    findByOrigin: async (r) => (await c.findByOrigin(r)).map((f) => ({ ...f, origin: r.origins[0]! })),
  })),
  mutant('latestChange returns the oldest change', 'latest', (c, system) => ({
    ...c,
    async latestChange() {
      const times = [...system.items.values()].map((i) => i.updatedAt).sort();
      return times.length ? { kind: 'timestamp', value: times[0]! } : null;
    },
  })),
  mutant('listComments lists the newest first', 'comments', (c) => ({
    ...c,
    listComments: async (id) => (await c.listComments(id)).reverse(),
  })),
  mutant('listComments lists the comments of every item', 'comments', (c, system) => ({
    ...c,
    listComments: async () => [...system.items.values()].flatMap((i) => i.comments),
  })),
  mutant('addComment leaves the item unchanged', 'commentChange', (c, system) => ({
    ...c,
    async addComment(id, body) {
      const item = system.items.get(id)!;
      const { revision, updatedAt, updatedBy } = item;
      const comment = await c.addComment(id, body);
      Object.assign(item, { revision, updatedAt, updatedBy });
      return comment;
    },
  })),
  mutant('create ignores returnFields', 'returned', (c) => ({
    ...c,
    create: async (items) => writtenOnly(await c.create(items), items),
  })),
  mutant('create does not stamp the origin', 'origin', (c) => ({
    ...c,
    create: (items: CreateRequest[]) =>
      c.create(items.map((r) => ({ ...r, origin: undefined as unknown as OriginRef }))),
  })),
  mutant('create answers a batch in reverse order', 'create', (c) => ({
    ...c,
    create: async (items) => (await c.create(items)).reverse(),
  })),
  mutant('update ignores expectedRevision', 'update', (c) => ({
    ...c,
    update: (items) => c.update(items.map((r) => ({ ...r, expectedRevision: undefined }))),
  })),
  mutant('update clears the fields not given', 'update', (c) => ({
    ...c,
    update: (items) =>
      c.update(
        items.map((r) => ({
          ...r,
          fields: { description: null, priority: null, status: null, labels: null, assignee: null, ...r.fields },
        })),
      ),
  })),
  mutant('update answers a batch in reverse order', 'update', (c) => ({
    ...c,
    update: async (items) => (await c.update(items)).reverse(),
  })),
  mutant('update ignores returnFields', 'update', (c) => ({
    ...c,
    update: async (items) => writtenOnly(await c.update(items), items),
  })),
  mutant('checkFilter accepts every filter', 'checkFilter', (c) => ({ ...c, checkFilter: async () => [] })),
  mutant('checkFilter refuses every filter', 'checkFilter', (c) => ({ ...c, checkFilter: async () => ['refused'] })),
  mutant('every item reads as last changed by the integration user', 'who', (c, system) => ({
    ...c,
    getMany: async (ids, o) => (await c.getMany(ids, o)).map((i) => ({ ...i, updatedBy: system.integrationUser })),
  })),
  mutant('attachments are listed newest first', 'files', (c) =>
    withAttachments(c, (part) => ({ list: async (id) => (await part.list(id)).reverse() })),
  ),
  mutant('a download hands out the first chunk only', 'files', (c) =>
    withAttachments(c, (part) => ({
      async download(id, attachment) {
        const reader = (await part.download(id, attachment)).getReader();
        const first = await reader.read();
        await reader.cancel();
        return new Blob(first.done ? [] : [first.value.slice(0, 10)]).stream();
      },
    })),
  ),
  mutant('uploads are attributed to someone else', 'files', (c) =>
    withAttachments(c, (part) => ({
      list: async (id) => (await part.list(id)).map((a) => ({ ...a, author: { id: 'someone-else' } })),
    })),
  ),
  mutant('an upload drops its stamp', 'stamps', (c) =>
    withAttachments(c, (part) => ({ upload: (id, file) => part.upload(id, { ...file, origin: undefined }) })),
  ),
  mutant('an upload opens the file before checking its size', 'tooLarge', (c) =>
    withAttachments(c, (part) => ({
      async upload(id, file) {
        await (await file.open()).cancel();
        return part.upload(id, file);
      },
    })),
  ),
  mutant('removing a file already gone fails', 'removal', (c) =>
    withAttachments(c, (part) => ({
      async remove(id, attachmentId) {
        if (!(await part.list(id)).some((a) => a.id === attachmentId))
          throw new RemoteError('NOT_FOUND', `attachment ${attachmentId} does not exist`, { status: 404 });
        return part.remove(id, attachmentId);
      },
    })),
  ),
  mutant('link fields are listed as text', 'linkFields', (c) => ({
    ...c,
    listFields: async (project, type) =>
      (await c.listFields(project, type)).map((f) => (f.id.startsWith('link:') ? { ...f, kind: 'text' } : f)),
  })),
  mutant('link ids are read newest link first', 'links', (c) => ({
    ...c,
    getMany: async (ids, o) =>
      (await c.getMany(ids, o)).map((i) =>
        Array.isArray(i.fields[blocks])
          ? { ...i, fields: { ...i.fields, [blocks]: [...textsOf(i.fields[blocks])].reverse() } }
          : i,
      ),
  })),
  mutant('writing links adds the missing ones but never removes any', 'links', (c) => ({
    ...c,
    async update(items) {
      const current = await c.getMany(
        items.map((r) => r.id),
        { fields: [blocks] },
      );
      return c.update(
        items.map((r) => {
          if (!(blocks in r.fields)) return r;
          const had = textsOf(current.find((i) => i.id === r.id)?.fields[blocks]);
          return { ...r, fields: { ...r.fields, [blocks]: [...new Set([...had, ...textsOf(r.fields[blocks])])] } };
        }),
      );
    },
  })),
  mutant('the parent is read without its key', 'parent', (c) => ({
    ...c,
    getMany: async (ids, o) =>
      (await c.getMany(ids, o)).map((i) => {
        const parent = i.fields[PARENT_FIELD];
        return parent && typeof parent === 'object' && 'key' in parent
          ? { ...i, fields: { ...i.fields, [PARENT_FIELD]: { id: parent.id } } }
          : i;
      }),
  })),
  mutant('a create drops the parent', 'createParent', (c) => ({
    ...c,
    create: (items) =>
      c.create(
        items.map((r) => ({
          ...r,
          fields: Object.fromEntries(Object.entries(r.fields).filter(([f]) => f !== PARENT_FIELD)),
        })),
      ),
  })),
];
