import { RemoteError } from 'syncbridge';
import { z } from 'zod';
import { listOf, versioned, type AdoClients } from './client.js';

/** One update (`WorkItemUpdate`): the fields a revision changed, each `{ oldValue, newValue }`. */
const updateSchema = z.object({
  rev: z.number().int().optional(),
  fields: z
    .record(z.string(), z.object({ oldValue: z.unknown().optional(), newValue: z.unknown().optional() }))
    .nullish(),
});

/** Updates per page: the most the service returns at once. */
const pageSize = 200;

/** Work items whose updates are read at the same time. */
const parallel = 4;

/**
 * When each of `fields` last changed on one work item, from its updates: the time of a change
 * is the update's `System.ChangedDate` `newValue` (its `revisedDate` is when it was superseded).
 * Fields set only at creation, or never, report `System.CreatedDate`. `undefined` when the
 * item does not exist or is not visible.
 */
async function itemChangeTimes(
  clients: AdoClients,
  id: string,
  fields: string[],
): Promise<Record<string, string> | undefined> {
  const latest = new Map<string, string>();
  let created: string | undefined;
  for (let skip = 0; ; skip += pageSize) {
    let page: z.infer<typeof updateSchema>[];
    try {
      page = (
        await clients.org.request(
          versioned({
            path: `_apis/wit/workItems/${encodeURIComponent(id)}/updates`,
            query: { $top: pageSize, $skip: skip },
            schema: listOf(updateSchema),
          }),
        )
      ).value;
    } catch (error) {
      if (error instanceof RemoteError && error.status === 404) return undefined;
      throw error;
    }
    for (const update of page) {
      const changed = update.fields?.['System.ChangedDate']?.newValue;
      created ??= stringOf(update.fields?.['System.CreatedDate']?.newValue) ?? stringOf(changed);
      if (typeof changed !== 'string') continue;
      for (const field of fields) if (update.fields && field in update.fields) latest.set(field, changed);
    }
    if (page.length < pageSize) break;
  }
  if (created === undefined) return undefined;
  const origin = created;
  return Object.fromEntries(fields.map((f) => [f, new Date(latest.get(f) ?? origin).toISOString()]));
}

const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * When each field of these work items last changed (see {@link itemChangeTimes}). The service
 * has no bulk form of work item updates, so this takes one request per item (per 200 updates),
 * a few items at a time; items not found are left out.
 * @see https://learn.microsoft.com/rest/api/azure/devops/wit/updates/list
 */
export async function fieldChangeTimes(
  clients: AdoClients,
  ids: string[],
  fields: string[],
): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  if (fields.length === 0) return out;
  const unique = [...new Set(ids)].filter((id) => /^\d+$/.test(id));
  for (let i = 0; i < unique.length; i += parallel) {
    const part = unique.slice(i, i + parallel);
    const times = await Promise.all(part.map((id) => itemChangeTimes(clients, id, fields)));
    part.forEach((id, n) => {
      const found = times[n];
      if (found) out[id] = found;
    });
  }
  return out;
}
