import { SyncbridgeError } from 'syncbridge';
import { z } from 'zod';
import { apiVersion, listOf, versioned, workItemJsonSchema, type AdoClients, type WorkItemJson } from './client.js';
import type { PatchOperation } from './patch.js';

/** The content type of JSON Patch bodies, for single calls and `$batch` elements alike. */
export const patchContentType = 'application/json-patch+json';

/** Most requests the service takes in one `$batch` call. */
export const maxBatchRequests = 200;

/** Each element's answer: its own status and its body as a JSON string. */
const batchAnswerSchema = listOf(z.object({ code: z.number().int(), body: z.string().nullish() }));

/** One create or update sent inside a `$batch` call. */
export interface BatchElement {
  /** The element's URI relative to the organization (or collection), api-version included. */
  uri: string;
  /** What the element does, for error messages. */
  what: string;
  ops: PatchOperation[];
}

/** The outcome of one element: the work item it wrote, or the service's error for it. */
export type BatchPart = { ok: true; raw: WorkItemJson } | { ok: false; error: SyncbridgeError };

/** A create in the service's "Work Item Create format": PATCH to `workitems/$Type` of the project. */
export function createElement(project: string, type: string, ops: PatchOperation[]): BatchElement {
  return {
    uri: `/${encodeURIComponent(project)}/_apis/wit/workitems/$${encodeURIComponent(type)}?api-version=${apiVersion}`,
    what: `create ${type} in ${project} (in $batch)`,
    ops,
  };
}

/** An update of one work item. */
export function updateElement(id: string, ops: PatchOperation[]): BatchElement {
  return {
    uri: `/_apis/wit/workitems/${encodeURIComponent(id)}?api-version=${apiVersion}`,
    what: `PATCH workitems/${id} (in $batch)`,
    ops,
  };
}

function parseBody(body: string | null | undefined): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

/**
 * Sends up to {@link maxBatchRequests} creates and updates in one `$batch` call
 * ({@link https://learn.microsoft.com/rest/api/azure/devops/wit/work-item-batch-update} "Work Item
 * Batch Update"). The service runs each element on its own — a failed one does not undo or stop
 * the others — so the outcomes come back per element, in the order sent. Throws when the call
 * as a whole fails (its status tells whether anything may have been written) or when the
 * answer does not hold one part per element.
 */
export async function sendBatch(clients: AdoClients, system: string, elements: BatchElement[]): Promise<BatchPart[]> {
  const answer = await clients.org.request(
    versioned({
      method: 'POST',
      path: '_apis/wit/$batch',
      json: elements.map((e) => ({
        method: 'PATCH',
        uri: e.uri,
        headers: { 'Content-Type': patchContentType },
        body: e.ops,
      })),
      schema: batchAnswerSchema,
    }),
  );
  if (answer.value.length !== elements.length) {
    throw new SyncbridgeError(
      'PROTOCOL',
      `${system}: $batch answered ${answer.value.length} parts for ${elements.length} requests`,
      { system },
    );
  }
  return elements.map((element, i): BatchPart => {
    const part = answer.value[i] as (typeof answer.value)[number];
    const body = parseBody(part.body);
    if (part.code >= 300) return { ok: false, error: clients.org.errorFor(part.code, body, element.what) };
    const raw = workItemJsonSchema.safeParse(body);
    if (!raw.success)
      return {
        ok: false,
        error: new SyncbridgeError('PROTOCOL', `${system}: the $batch part for ${element.what} is not a work item`, {
          system,
        }),
      };
    return { ok: true, raw: raw.data };
  });
}
