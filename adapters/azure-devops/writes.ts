import { RemoteError, SyncbridgeError, type FieldValue } from 'syncbridge';
import { toSyncbridgeError, type CreateRequest, type UpdateRequest, type WriteResult } from 'syncbridge/connector-kit';
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
import { buildPatch, type PatchOperation } from './patch.js';
import { stampRelation } from './hyperlinks.js';

/** A create that passed the checks made before sending, with its place in the request. */
interface PreparedCreate {
  index: number;
  project: string;
  type: string;
  ops: PatchOperation[];
}

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
    private readonly options: { system: string; batch: boolean; stamp: 'hyperlink' | 'tag' },
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
        const ops = await this.patchFor(item.project, item.type, item.fields, { tags });
        ready.push({
          index,
          project: item.project,
          type: item.type,
          ops: byTag ? ops : [...ops, stampRelation(item.origin, item.fields['System.Title'])],
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
   * The JSON Patch of a write, after the checks the metadata allows beforehand (states and
   * allowed values). Every field that fails them is named at once, in the service's words, in
   * the `fieldErrors` of a `VALIDATION` error (no request is sent), as the service would.
   */
  private async patchFor(
    project: string,
    type: string,
    fields: Record<string, FieldValue>,
    options: { expectedRevision?: string | undefined; tags?: string | undefined },
  ): Promise<PatchOperation[]> {
    const { ops, refused } = buildPatch(fields, await this.metadata.fieldMeta(project, type), options);
    const state =
      'System.State' in fields ? await this.metadata.stateRefusal(project, type, fields['System.State']) : undefined;
    if (state !== undefined) refused['System.State'] = state;
    if (Object.keys(refused).length === 0) return ops;
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
        out.push(await this.written({ ok: true, raw }, true));
      } catch (error) {
        out.push(failure(error, this.options.system));
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
    return Promise.all(parts.map((p) => this.written(p, true)));
  }

  /** Converts a written work item; a created one that cannot be read still reports that it exists. */
  private async written(part: BatchPart, created = false): Promise<WriteResult> {
    if (!part.ok) return { ok: false, error: part.error };
    try {
      return { ok: true, item: await this.reader.toWorkItem(part.raw) };
    } catch (error) {
      return failure(
        error,
        this.options.system,
        created ? { id: String(part.raw.id), key: String(part.raw.id) } : undefined,
      );
    }
  }

  /** Updates items: a `test` on `/rev` when a revision is expected; tags keep their origin stamps. */
  async update(items: UpdateRequest[]): Promise<WriteResult[]> {
    const needRead = items
      .filter((i) => 'System.Tags' in i.fields || !this.reader.scopeOf(i.id))
      .map((i) => Number(i.id));
    const current = new Map(
      (
        await this.reader.fetchRaw(
          needRead.filter((id) => Number.isInteger(id)),
          [],
        )
      ).map((r) => [String(r.id), r]),
    );
    const prepared: Array<{ id: string; ops: PatchOperation[] } | { id: string; error: unknown }> = [];
    for (const item of items) {
      try {
        const { project, type } = this.reader.scopeOf(item.id) ?? {};
        if (!project || !type)
          throw new SyncbridgeError(
            'NOT_FOUND',
            `${this.options.system}: work item ${item.id} does not exist or is not visible`,
            { system: this.options.system },
          );
        const tags =
          'System.Tags' in item.fields
            ? [
                ...userTags(item.fields['System.Tags']).filter((t) => !this.tags.isStamp(t)),
                ...this.tags.stampsOf(current.get(item.id)?.fields['System.Tags']),
              ].join('; ')
            : undefined;
        const ops = await this.patchFor(project, type, item.fields, { expectedRevision: item.expectedRevision, tags });
        prepared.push({ id: item.id, ops });
      } catch (error) {
        prepared.push({ id: item.id, error });
      }
    }
    const ready = prepared.filter((p): p is { id: string; ops: PatchOperation[] } => 'ops' in p);
    const outcomes =
      ready.length > 1 && this.options.batch
        ? await this.updateBatch(ready)
        : await Promise.all(ready.map((p) => this.updateOne(p)));
    const byId = new Map(ready.map((p, i) => [p.id, outcomes[i] as WriteResult]));
    return prepared.map((p) =>
      'error' in p ? failure(p.error, this.options.system) : (byId.get(p.id) as WriteResult),
    );
  }

  private async updateOne(p: { id: string; ops: PatchOperation[] }): Promise<WriteResult> {
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
      return await this.written({ ok: true, raw });
    } catch (error) {
      return failure(error, this.options.system);
    }
  }

  /** Updates in one `$batch` call; a failed call fails every update in it (a retry re-tests the revisions). */
  private async updateBatch(parts: Array<{ id: string; ops: PatchOperation[] }>): Promise<WriteResult[]> {
    try {
      const answers = await sendBatch(
        this.clients,
        this.options.system,
        parts.map((p) => updateElement(p.id, p.ops)),
      );
      return await Promise.all(answers.map((a) => this.written(a)));
    } catch (error) {
      return parts.map(() => failure(error, this.options.system));
    }
  }
}
