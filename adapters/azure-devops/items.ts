import { SyncbridgeError, parseWorkItem, type OriginRef, type WorkItem } from 'syncbridge';
import { z } from 'zod';
import { ATTACHMENT_IDS_FIELD } from 'syncbridge/connector-kit';
import { listOf, versioned, workItemJsonSchema, type AdoClients, type WorkItemJson } from './client.js';
import { splitTags, userFromAdo, valueFromAdo } from './fields.js';
import type { AdoMetadata } from './metadata.js';
import { hyperlinkOrigin } from './hyperlinks.js';
import { attachedFileIds } from './attachments.js';
import { isLinkField, isRelationField, linkValue } from './link-fields.js';

/** Fields read with every item: what `WorkItem` itself and the origin stamps need. */
const baseFields = [
  'System.Id',
  'System.TeamProject',
  'System.WorkItemType',
  'System.ChangedDate',
  'System.ChangedBy',
  'System.Tags',
];

const batchSchema = listOf(workItemJsonSchema.nullable());

/** The origin stamp tag, and how to recognise one. */
export class OriginTags {
  constructor(private readonly prefix: string) {}
  /** The tag stamped on an item created from `origin`. */
  tagFor(origin: OriginRef): string {
    return `${this.prefix}:${encodeURIComponent(origin.system)}:${encodeURIComponent(origin.id)}`;
  }
  /** Whether a tag is a stamp (stamps are hidden from the tags the connector returns). */
  isStamp = (tag: string): boolean => tag.toLowerCase().startsWith(`${this.prefix.toLowerCase()}:`);
  /** The origin a stamp names, or undefined for a tag that is no stamp. */
  originOf(tag: string): OriginRef | undefined {
    if (!this.isStamp(tag)) return undefined;
    const [system, id] = tag.slice(this.prefix.length + 1).split(':');
    try {
      return system && id ? { system: decodeURIComponent(system), id: decodeURIComponent(id) } : undefined;
    } catch {
      return undefined;
    }
  }
  /** The stamps among an item's raw tags. */
  stampsOf(rawTags: unknown): string[] {
    return splitTags(rawTags).filter(this.isStamp);
  }
}

/** How many items' project and type a reader keeps: several pages' worth. */
const scopesKept = 5_000;

/** Where a work item lives. */
export interface ItemScope {
  project: string;
  type: string;
}

/** Reads work items and converts them for the engine. */
export class ItemReader {
  /**
   * Project and type of the items seen last, for calls that only have an id (updates, comments):
   * at most {@link scopesKept}, the least recently seen dropped first, so memory stays flat
   * however many items a sync reads (an item not kept is read again when needed). One shared
   * object per project and type.
   */
  private readonly scopes = new Map<string, ItemScope>();
  private readonly shared = new Map<string, ItemScope>();

  constructor(
    private readonly clients: AdoClients,
    private readonly metadata: AdoMetadata,
    private readonly tags: OriginTags,
    private readonly system: string,
    /** Whether reads ask for relations (hyperlink stamps): every field then comes too, as the service allows no `fields` with `$expand`. */
    private readonly relations = true,
  ) {}

  /**
   * Converts one service work item, with the `fields` asked for. Link fields are read from its
   * relations. The service leaves empty fields out of its answers: a field not in it is empty.
   */
  async toWorkItem(raw: WorkItemJson, fields: string[]): Promise<WorkItem> {
    const project = String(raw.fields['System.TeamProject'] ?? '');
    const type = String(raw.fields['System.WorkItemType'] ?? '');
    const meta = project && type ? await this.metadata.fieldMeta(project, type) : new Map();
    const id = String(raw.id);
    this.remember(raw);
    const out: WorkItem['fields'] = {};
    for (const ref of fields) {
      out[ref] = isLinkField(ref)
        ? linkValue(raw, ref)
        : ref === ATTACHMENT_IDS_FIELD
          ? attachedFileIds(raw)
          : valueFromAdo(meta.get(ref), raw.fields[ref], this.tags.isStamp);
    }
    const changed = raw.fields['System.ChangedDate'];
    const origin = this.originsOf(raw)[0];
    const item = {
      id,
      key: id,
      revision: String(raw.rev),
      updatedAt: new Date(typeof changed === 'string' ? changed : 0).toISOString(),
      updatedBy: userFromAdo(raw.fields['System.ChangedBy']),
      fields: out,
      ...(origin ? { origin } : {}),
      ...(typeof raw.fields['System.TeamProject'] === 'string' && typeof raw.fields['System.WorkItemType'] === 'string'
        ? { scope: { projects: [raw.fields['System.TeamProject']], type: raw.fields['System.WorkItemType'] } }
        : {}),
    };
    const parsed = parseWorkItem(item);
    if (!parsed.success)
      throw new SyncbridgeError(
        'PROTOCOL',
        `${this.system}: work item ${id} could not be read: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
        { system: this.system },
      );
    return parsed.data;
  }

  /** Every origin a work item is stamped with: its hyperlink stamp, then any tag stamps (items stamped before hyperlinks). */
  originsOf(raw: WorkItemJson): OriginRef[] {
    const byTags = this.tags
      .stampsOf(raw.fields['System.Tags'])
      .map((t) => this.tags.originOf(t))
      .filter((o): o is OriginRef => o !== undefined);
    const byLink = hyperlinkOrigin(raw);
    return byLink ? [byLink, ...byTags] : byTags;
  }

  /**
   * Raw work items by id (at most 200), in the order asked; deleted ones left out. Link fields
   * among `fields` have them read with their relations, in the same call.
   */
  async fetchRaw(ids: number[], fields: string[], signal?: AbortSignal): Promise<WorkItemJson[]> {
    if (ids.length === 0) return [];
    const plain = fields.filter((f) => !isRelationField(f));
    const relations = this.relations || plain.length < fields.length;
    const wanted = [...new Set([...baseFields, ...plain])];
    const body = await this.clients.org.request(
      versioned({
        method: 'POST',
        path: '_apis/wit/workitemsbatch',
        json: { ids, ...(relations ? { $expand: 'relations' } : { fields: wanted }), errorPolicy: 'omit' },
        schema: batchSchema,
        idempotent: true,
        ...(signal ? { signal } : {}),
      }),
    );
    const found = body.value.filter((v): v is WorkItemJson => v !== null);
    for (const raw of found) this.remember(raw);
    return found;
  }

  /** Reads one work item with its relations (hyperlinks, links, attached files). */
  async withRelations(id: string): Promise<WorkItemJson> {
    const raw = await this.clients.org.request(
      versioned({
        path: `_apis/wit/workitems/${encodeURIComponent(id)}`,
        query: { $expand: 'relations' },
        schema: workItemJsonSchema,
      }),
    );
    this.remember(raw);
    return raw;
  }

  /** Notes the project and type of a work item read. */
  remember(raw: WorkItemJson): void {
    const project = raw.fields['System.TeamProject'];
    const type = raw.fields['System.WorkItemType'];
    if (typeof project !== 'string' || typeof type !== 'string') return;
    const key = `${project}\u0000${type}`;
    let scope = this.shared.get(key);
    if (!scope) {
      scope = { project, type };
      this.shared.set(key, scope);
    }
    const id = String(raw.id);
    this.scopes.delete(id);
    this.scopes.set(id, scope);
    if (this.scopes.size > scopesKept) this.scopes.delete(this.scopes.keys().next().value as string);
  }

  /** The project and type of an item seen lately. */
  scopeOf(id: string): ItemScope | undefined {
    return this.scopes.get(id);
  }

  /** Work items by id, converted, only the fields asked for. */
  async fetch(ids: number[], fields: string[], signal?: AbortSignal): Promise<WorkItem[]> {
    const raw = await this.fetchRaw(ids, fields, signal);
    return Promise.all(raw.map((r) => this.toWorkItem(r, fields)));
  }

  /** Runs one WIQL query posted to the project (so `@project` resolves), with time precision. */
  async wiql(project: string, query: string, top?: number, signal?: AbortSignal): Promise<number[]> {
    const body = await this.clients.org.request(
      versioned({
        method: 'POST',
        path: `${encodeURIComponent(project)}/_apis/wit/wiql`,
        query: { timePrecision: true, $top: top },
        json: { query },
        schema: z.object({ workItems: z.array(z.object({ id: z.number().int() })) }),
        idempotent: true,
        ...(signal ? { signal } : {}),
      }),
    );
    return body.workItems.map((w) => w.id);
  }
}
