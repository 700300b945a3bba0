import { isSyncbridgeError, SyncbridgeError, type CreateRequest, type UpdateRequest, type WriteResult } from 'syncbridge';
import { z } from 'zod';
import { listOf, versioned, workItemJsonSchema, type AdoClients } from './client.js';
import type { ItemReader, OriginTags } from './items.js';
import type { AdoMetadata } from './metadata.js';
import { buildPatch, type PatchOperation } from './patch.js';

const patchContentType = 'application/json-patch+json';
const batchAnswerSchema = listOf(z.object({ code: z.number().int(), body: z.string().nullish() }));

function failure(error: unknown, system: string): WriteResult {
  if (isSyncbridgeError(error)) return { ok: false, error };
  return { ok: false, error: new SyncbridgeError('TRANSIENT', `${system}: ${error instanceof Error ? error.message : String(error)}`, { system, cause: error }) };
}

function userTags(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string' && t.trim() !== '') : [];
}

/** Creates and updates work items with JSON Patch; updates go several to a `$batch` call. */
export class ItemWriter {
  constructor(
    private readonly clients: AdoClients,
    private readonly metadata: AdoMetadata,
    private readonly reader: ItemReader,
    private readonly tags: OriginTags,
    private readonly options: { system: string; batchUpdates: boolean },
  ) {}

  /** Creates items one call each, stamping the origin tag. */
  async create(items: CreateRequest[]): Promise<WriteResult[]> {
    const results: WriteResult[] = [];
    for (const item of items) {
      try {
        const meta = await this.metadata.fieldMeta(item.project, item.type);
        if ('System.State' in item.fields) await this.metadata.checkState(item.project, item.type, item.fields['System.State']);
        const tags = [...userTags(item.fields['System.Tags']).filter((t) => !this.tags.isStamp(t)), this.tags.tagFor(item.origin)].join('; ');
        const ops = buildPatch(item.fields, meta, { tags });
        const raw = await this.clients.org.request(
          versioned({ method: 'POST', path: `${encodeURIComponent(item.project)}/_apis/wit/workitems/$${encodeURIComponent(item.type)}`, json: ops, contentType: patchContentType, schema: workItemJsonSchema }),
        );
        results.push({ ok: true, item: await this.reader.toWorkItem(raw) });
      } catch (error) {
        results.push(failure(error, this.options.system));
      }
    }
    return results;
  }

  /** Updates items: a `test` on `/rev` when a revision is expected; tags keep their origin stamps. */
  async update(items: UpdateRequest[]): Promise<WriteResult[]> {
    const needRead = items.filter((i) => 'System.Tags' in i.fields || !this.reader.typeOf.has(i.id)).map((i) => Number(i.id));
    const current = new Map((await this.reader.fetchRaw(needRead.filter((id) => Number.isInteger(id)), [])).map((r) => [String(r.id), r]));
    const prepared: Array<{ id: string; ops: PatchOperation[] } | { id: string; error: unknown }> = [];
    for (const item of items) {
      try {
        const project = this.reader.projectOf.get(item.id);
        const type = this.reader.typeOf.get(item.id);
        if (!project || !type) throw new SyncbridgeError('NOT_FOUND', `${this.options.system}: work item ${item.id} does not exist or is not visible`, { system: this.options.system });
        if ('System.State' in item.fields) await this.metadata.checkState(project, type, item.fields['System.State']);
        const meta = await this.metadata.fieldMeta(project, type);
        const tags = 'System.Tags' in item.fields
          ? [...userTags(item.fields['System.Tags']).filter((t) => !this.tags.isStamp(t)), ...this.tags.stampsOf(current.get(item.id)?.fields['System.Tags'])].join('; ')
          : undefined;
        const ops = buildPatch(item.fields, meta, { expectedRevision: item.expectedRevision, tags });
        prepared.push({ id: item.id, ops });
      } catch (error) {
        prepared.push({ id: item.id, error });
      }
    }
    const ready = prepared.filter((p): p is { id: string; ops: PatchOperation[] } => 'ops' in p);
    const outcomes = ready.length > 1 && this.options.batchUpdates ? await this.sendBatch(ready) : await Promise.all(ready.map((p) => this.sendOne(p)));
    const byId = new Map(ready.map((p, i) => [p.id, outcomes[i] as WriteResult]));
    return prepared.map((p) => ('error' in p ? failure(p.error, this.options.system) : (byId.get(p.id) as WriteResult)));
  }

  private async sendOne(p: { id: string; ops: PatchOperation[] }): Promise<WriteResult> {
    try {
      const raw = await this.clients.org.request(versioned({ method: 'PATCH', path: `_apis/wit/workitems/${encodeURIComponent(p.id)}`, json: p.ops, contentType: patchContentType, schema: workItemJsonSchema }));
      return { ok: true, item: await this.reader.toWorkItem(raw) };
    } catch (error) {
      return failure(error, this.options.system);
    }
  }

  /** Sends updates in one `$batch` call ({@link https://learn.microsoft.com/rest/api/azure/devops/wit/work-items} "Work Item Batch"); each part succeeds or fails alone. */
  private async sendBatch(parts: Array<{ id: string; ops: PatchOperation[] }>): Promise<WriteResult[]> {
    let answer: z.infer<typeof batchAnswerSchema>;
    try {
      answer = await this.clients.org.request(
        versioned({
          method: 'POST',
          path: '_apis/wit/$batch',
          json: parts.map((p) => ({ method: 'PATCH', uri: `/_apis/wit/workitems/${encodeURIComponent(p.id)}?api-version=7.1`, headers: { 'Content-Type': patchContentType }, body: p.ops })),
          schema: batchAnswerSchema,
        }),
      );
    } catch (error) {
      return parts.map(() => failure(error, this.options.system));
    }
    return Promise.all(
      parts.map(async (p, i) => {
        const part = answer.value[i];
        if (!part) return failure(new SyncbridgeError('PROTOCOL', `${this.options.system}: $batch answered fewer parts than sent`), this.options.system);
        let body: unknown;
        try {
          body = part.body ? JSON.parse(part.body) : undefined;
        } catch {
          body = part.body;
        }
        if (part.code >= 300) return failure(this.clients.org.errorFor(part.code, body, `PATCH workitems/${p.id} (in $batch)`), this.options.system);
        const raw = workItemJsonSchema.safeParse(body);
        if (!raw.success) return failure(new SyncbridgeError('PROTOCOL', `${this.options.system}: $batch part for ${p.id} is not a work item`), this.options.system);
        try {
          return { ok: true, item: await this.reader.toWorkItem(raw.data) } as WriteResult;
        } catch (error) {
          return failure(error, this.options.system);
        }
      }),
    );
  }
}
