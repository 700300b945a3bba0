import { RemoteError, SyncbridgeError, type FieldValue } from 'syncbridge';
import {
  ATTACHMENT_IDS_FIELD,
  showsAttachments,
  toSyncbridgeError,
  type AttachmentUrl,
  type CreateRequest,
  type UpdateRequest,
  type WriteResult,
} from 'syncbridge/connector-kit';
import {
  createElement,
  maxBatchRequests,
  patchContentType,
  sendBatch,
  updateElement,
  type BatchPart,
} from './batch.js';
import { versioned, workItemJsonSchema, type AdoClients, type WorkItemJson } from './client.js';
import type { ItemReader, OriginTags } from './items.js';
import type { AdoMetadata } from './metadata.js';
import { attachmentUrlsOf } from './attachments.js';
import { buildPatch, type PatchOperation } from './patch.js';
import { stampRelation } from './hyperlinks.js';
import { isLinkField, linkDescriptors, linkPatch, missingLinkTarget } from './link-fields.js';

/** A create that passed the checks made before sending, with its place in the request. */
interface PreparedCreate {
  index: number;
  project: string;
  type: string;
  ops: PatchOperation[];
  /** The fields the result shows (see {@link returnedFields}). */
  returned: string[];
}

/** An update ready to send, with the fields its result shows. */
interface PreparedUpdate {
  id: string;
  ops: PatchOperation[];
  returned: string[];
}

/** The link fields among those written. */
const linkFieldsOf = (fields: Record<string, FieldValue>): string[] => Object.keys(fields).filter(isLinkField);

/**
 * The fields a write's result shows: those written, those asked for and the title (back-links
 * show it). Only these are converted: the answer carries every field of the item.
 */
const returnedFields = (fields: Record<string, FieldValue>, returnFields: string[] = []): string[] => [
  ...new Set([...Object.keys(fields), ...returnFields, 'System.Title']),
];

function failure(error: unknown, system: string, created?: { id: string; key: string }): WriteResult {
  const base = toSyncbridgeError(error, { system });
  return created ? { ok: false, error: base, created } : { ok: false, error: base };
}

function userTags(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string' && t.trim() !== '') : [];
}

const chunk = <T>(list: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, i * size + size));

/**
 * Whether a refused `$batch` call is worth retrying one create at a time: the service turned
 * the call itself down (4xx) without running any element. Unauthorized and throttled calls
 * would fail the same way singly; a timeout or 5xx leaves the outcome unknown.
 */
function retrySingly(error: unknown): boolean {
  return (
    error instanceof RemoteError &&
    error.status !== undefined &&
    error.status >= 400 &&
    error.status < 500 &&
    ![401, 408, 429].includes(error.status)
  );
}

/** Creates and updates work items with JSON Patch, several to a `$batch` call. */
export class ItemWriter {
  constructor(
    private readonly clients: AdoClients,
    private readonly metadata: AdoMetadata,
    private readonly reader: ItemReader,
    private readonly tags: OriginTags,
    private readonly options: { system: string; batch: boolean; stamp: 'hyperlink' | 'tag'; orgUrl: string },
  ) {}

  /**
   * Creates items stamped with their origin (a hyperlink relation, or a tag), up to 200 to a `$batch` call; results in
   * request order. Items failing the checks made beforehand (state, field metadata) are not
   * sent. Throws when a `$batch` call fails with a network error or 5xx: whether its items
   * were created is then unknown, and the engine looks them up by their origin stamps.
   */
  async create(items: CreateRequest[]): Promise<WriteResult[]> {
    const results: WriteResult[] = [];
    const ready: PreparedCreate[] = [];
    for (const [index, item] of items.entries()) {
      try {
        const byTag = this.options.stamp === 'tag';
        const given = userTags(item.fields['System.Tags']).filter((t) => !this.tags.isStamp(t));
        const tags = byTag
          ? [...given, this.tags.tagFor(item.origin)].join('; ')
          : 'System.Tags' in item.fields
            ? given.join('; ')
            : undefined;
        const { ops } = await this.patchFor(item.project, item.type, item.fields, { tags });
        ready.push({
          index,
          project: item.project,
          type: item.type,
          ops: byTag ? ops : [...ops, stampRelation(item.origin, item.fields['System.Title'])],
          returned: returnedFields(item.fields, item.returnFields),
        });
      } catch (error) {
        results[index] = failure(error, this.options.system);
      }
    }
    for (const part of chunk(ready, maxBatchRequests)) {
      const outcomes =
        part.length > 1 && this.options.batch ? await this.createBatch(part) : await this.createEach(part);
      for (const [i, p] of part.entries()) results[p.index] = outcomes[i] as WriteResult;
    }
    return results;
  }

  /**
   * The JSON Patch of a write, after the checks the metadata allows beforehand (states,
   * allowed values, link types). Every field that fails them is named at once, in the service's
   * words, in the `fieldErrors` of a `VALIDATION` error (no request is sent), as the service would.
   * Link fields become relation operations against `current` (the item as read with its
   * relations; absent for a create); `removes` tells whether they remove relations by index.
   */
  private async patchFor(
    project: string,
    type: string,
    fields: Record<string, FieldValue>,
    options: {
      expectedRevision?: string | undefined;
      tags?: string | undefined;
      current?: WorkItemJson | undefined;
      attachmentUrl?: AttachmentUrl | undefined;
    },
  ): Promise<{ ops: PatchOperation[]; removes: boolean }> {
    const plain = Object.fromEntries(Object.entries(fields).filter(([f]) => !isLinkField(f)));
    const links = Object.fromEntries(Object.entries(fields).filter(([f]) => isLinkField(f)));
    const { ops, refused } = buildPatch(plain, await this.metadata.fieldMeta(project, type), options);
    const linked = linkPatch(options.current, links, this.options.orgUrl);
    Object.assign(refused, linked.refused, await this.unknownLinkTypes(Object.keys(links)));
    const state =
      'System.State' in fields ? await this.metadata.stateRefusal(project, type, fields['System.State']) : undefined;
    if (state !== undefined) refused['System.State'] = state;
    if (Object.keys(refused).length === 0) return { ops: [...ops, ...linked.ops], removes: linked.removes };
    const { system } = this.options;
    const text = Object.entries(refused)
      .map(([f, m]) => `${f}: ${m}`)
      .join('; ');
    throw new RemoteError('VALIDATION', `${system}: Azure DevOps would refuse ${type} in ${project}: ${text}`, {
      system,
      fieldErrors: refused,
      retryable: false,
    });
  }

  /** Link fields naming no work-item link type of the organization (the relation types are read once, only when links are written). */
  private async unknownLinkTypes(fields: string[]): Promise<Record<string, string>> {
    if (fields.length === 0) return {};
    const known = new Set(linkDescriptors(await this.metadata.relationTypes()).map((d) => d.id));
    return Object.fromEntries(
      fields
        .filter((f) => !known.has(f))
        .map((f) => [f, `${f} names no work item link type of this organization (see workitemrelationtypes)`]),
    );
  }

  private async createEach(part: PreparedCreate[]): Promise<WriteResult[]> {
    const out: WriteResult[] = [];
    for (const p of part) {
      try {
        const raw = await this.clients.org.request(
          versioned({
            method: 'POST',
            path: `${encodeURIComponent(p.project)}/_apis/wit/workitems/$${encodeURIComponent(p.type)}`,
            json: p.ops,
            contentType: patchContentType,
            schema: workItemJsonSchema,
          }),
        );
        out.push(await this.written({ ok: true, raw }, p, true));
      } catch (error) {
        out.push(failure(missingLinkTarget(error, p.ops) ?? error, this.options.system));
      }
    }
    return out;
  }

  private async createBatch(part: PreparedCreate[]): Promise<WriteResult[]> {
    let parts: BatchPart[];
    try {
      parts = await sendBatch(
        this.clients,
        this.options.system,
        part.map((p) => createElement(p.project, p.type, p.ops)),
      );
    } catch (error) {
      if (retrySingly(error)) return this.createEach(part);
      // Refused before running anything (unauthorized, throttled after retries): nothing was created.
      if (error instanceof RemoteError && (error.status === 401 || error.status === 429))
        return part.map(() => failure(error, this.options.system));
      throw error;
    }
    return Promise.all(parts.map((p, i) => this.written(p, part[i] as PreparedCreate, true)));
  }

  /**
   * Converts a written work item (the fields the write shows, link fields from the relations
   * the answer carries); a created one that cannot be read still reports that it
   * exists. A refusal naming a missing link target is the link field's, not the item's.
   */
  private async written(
    part: BatchPart,
    sent: { ops: PatchOperation[]; returned: string[] },
    created = false,
  ): Promise<WriteResult> {
    if (!part.ok) return { ok: false, error: missingLinkTarget(part.error, sent.ops) ?? part.error };
    try {
      return { ok: true, item: await this.reader.toWorkItem(part.raw, sent.returned) };
    } catch (error) {
      return failure(
        error,
        this.options.system,
        created ? { id: String(part.raw.id), key: String(part.raw.id) } : undefined,
      );
    }
  }

  /**
   * Updates items: a `test` on `/rev` when a revision is expected; tags keep their origin stamps.
   * Items whose tags or link fields are written are read first (one call), with their relations
   * when links are written: link removals name relations by index, so such a write tests the
   * revision read, and one refused because somebody changed the item in between is made again
   * once on a fresh read (an expected revision the engine gave is never retried around).
   */
  async update(items: UpdateRequest[], retry = true): Promise<WriteResult[]> {
    // Images point at the item's files: an item whose text shows one is read with its relations.
    const showingFiles = new Set(items.filter((i) => showsAttachments(Object.values(i.fields))));
    const needRead = items.filter(
      (i) =>
        'System.Tags' in i.fields ||
        !this.reader.scopeOf(i.id) ||
        linkFieldsOf(i.fields).length > 0 ||
        showingFiles.has(i),
    );
    const relations = needRead.flatMap((i) => [
      ...linkFieldsOf(i.fields),
      ...(showingFiles.has(i) ? [ATTACHMENT_IDS_FIELD] : []),
    ]);
    const current = new Map(
      (
        await this.reader.fetchRaw(
          needRead.map((i) => Number(i.id)).filter((id) => Number.isInteger(id)),
          [...new Set(relations)],
        )
      ).map((r) => [String(r.id), r]),
    );
    const prepared: Array<
      | (PreparedUpdate & { retry: boolean })
      | { id: string; error: unknown }
      | { id: string; result: Promise<WriteResult> }
    > = [];
    for (const item of items) {
      try {
        const update = await this.prepareUpdate(item, current.get(item.id), showingFiles.has(item));
        const unchanged = this.unchanged(item, update, current.get(item.id));
        prepared.push(unchanged ? { id: item.id, result: unchanged } : update);
      } catch (error) {
        prepared.push({ id: item.id, error });
      }
    }
    const ready = prepared.filter((p): p is PreparedUpdate & { retry: boolean } => 'ops' in p);
    const outcomes =
      ready.length > 1 && this.options.batch
        ? await this.updateBatch(ready)
        : await Promise.all(ready.map((p) => this.updateOne(p)));
    const byId = new Map(ready.map((p, i) => [p.id, outcomes[i] as WriteResult]));
    const results = await Promise.all(
      prepared.map((p) =>
        'error' in p
          ? failure(p.error, this.options.system)
          : 'result' in p
            ? p.result
            : (byId.get(p.id) as WriteResult),
      ),
    );
    const again = items.flatMap((item, i) => {
      const result = results[i];
      const testedByUs = item.expectedRevision === undefined && ready.some((p) => p.id === item.id && p.retry);
      return retry && testedByUs && result && !result.ok && result.error.code === 'REVISION_MISMATCH' ? [i] : [];
    });
    if (again.length === 0) return results;
    const retried = await this.update(
      again.map((i) => items[i] as UpdateRequest),
      false,
    );
    for (const [n, i] of again.entries()) results[i] = retried[n] as WriteResult;
    return results;
  }

  /**
   * The result of an update that changes nothing (its link fields already as wanted), made
   * without a request (the service refuses a patch with nothing to do), from the item as read;
   * undefined for an update that has something to send.
   */
  private unchanged(
    item: UpdateRequest,
    update: PreparedUpdate,
    current: WorkItemJson | undefined,
  ): Promise<WriteResult> | undefined {
    const writesLinks = linkFieldsOf(item.fields).length > 0;
    if (!current || !writesLinks || update.ops.some((op) => op.op !== 'test')) return undefined;
    if (item.expectedRevision !== undefined && item.expectedRevision !== String(current.rev))
      return Promise.resolve(
        failure(
          new SyncbridgeError(
            'REVISION_MISMATCH',
            `${this.options.system}: work item ${item.id} is at revision ${current.rev}, not ${item.expectedRevision}`,
            { system: this.options.system },
          ),
          this.options.system,
        ),
      );
    return this.written({ ok: true, raw: current }, update);
  }

  /**
   * The JSON Patch of one update; `current` is the item as read just before (when it was), with
   * its relations when its text `showsFiles`.
   */
  private async prepareUpdate(
    item: UpdateRequest,
    current: WorkItemJson | undefined,
    showsFiles: boolean,
  ): Promise<PreparedUpdate & { retry: boolean }> {
    const { project, type } = this.reader.scopeOf(item.id) ?? {};
    const links = linkFieldsOf(item.fields);
    if (!project || !type || (links.length > 0 && !current))
      throw new SyncbridgeError(
        'NOT_FOUND',
        `${this.options.system}: work item ${item.id} does not exist or is not visible`,
        { system: this.options.system },
      );
    const tags =
      'System.Tags' in item.fields
        ? [
            ...userTags(item.fields['System.Tags']).filter((t) => !this.tags.isStamp(t)),
            ...this.tags.stampsOf(current?.fields['System.Tags']),
          ].join('; ')
        : undefined;
    // Link removals name relations by their index in the revision read: the write must land on it.
    const { ops, removes } = await this.patchFor(project, type, item.fields, {
      expectedRevision: item.expectedRevision,
      tags,
      current,
      attachmentUrl: current && showsFiles ? attachmentUrlsOf(current) : undefined,
    });
    const test = removes && item.expectedRevision === undefined && current;
    return {
      id: item.id,
      ops: test ? [{ op: 'test', path: '/rev', value: current.rev }, ...ops] : ops,
      returned: returnedFields(item.fields, item.returnFields),
      retry: !!test,
    };
  }

  private async updateOne(p: PreparedUpdate): Promise<WriteResult> {
    try {
      const raw: WorkItemJson = await this.clients.org.request(
        versioned({
          method: 'PATCH',
          path: `_apis/wit/workitems/${encodeURIComponent(p.id)}`,
          json: p.ops,
          contentType: patchContentType,
          schema: workItemJsonSchema,
        }),
      );
      return await this.written({ ok: true, raw }, p);
    } catch (error) {
      return failure(missingLinkTarget(error, p.ops) ?? error, this.options.system);
    }
  }

  /** Updates in one `$batch` call; a failed call fails every update in it (a retry re-tests the revisions). */
  private async updateBatch(parts: PreparedUpdate[]): Promise<WriteResult[]> {
    try {
      const answers = await sendBatch(
        this.clients,
        this.options.system,
        parts.map((p) => updateElement(p.id, p.ops)),
      );
      return await Promise.all(answers.map((a, i) => this.written(a, parts[i] as PreparedUpdate)));
    } catch (error) {
      return parts.map(() => failure(error, this.options.system));
    }
  }
}
