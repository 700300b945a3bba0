import { badRequest, json } from '../errors.js';
import { identityRef } from '../render.js';
import type { Route, RouteContext } from '../router.js';
import { findIdentity, type SimWorkItem } from '../state.js';
import { getWorkItem, parseId } from '../store.js';

/** Most updates one page holds (the service's page size when `$top` is left out). */
const maxPage = 200;

/** The moment a revision stops being current: the next one's `System.ChangedDate`, or the end of time for the latest. */
const endOfTime = '9999-01-01T00:00:00Z';

/** A field value as an update shows it (identities as `IdentityRef`). */
function shown(ctx: RouteContext, ref: string, value: unknown): unknown {
  return ctx.state.fields.get(ref)?.type === 'identity'
    ? identityRef(ctx.orgUrl, findIdentity(ctx.state, String(value)), String(value))
    : value;
}

/**
 * The updates (`WorkItemUpdate`) of a work item, oldest first: each revision's fields that
 * differ from the previous revision as `{ oldValue, newValue }` (the first revision: every
 * field it set, `newValue` only). `revisedDate` is when the revision was superseded, so the
 * time of a change is its `System.ChangedDate` `newValue`.
 */
export function renderUpdates(ctx: RouteContext, item: SimWorkItem): Array<Record<string, unknown>> {
  return item.revisions.map((revision, index) => {
    const before = item.revisions[index - 1]?.fields ?? {};
    const fields: Record<string, { oldValue?: unknown; newValue?: unknown }> = {};
    for (const ref of new Set([...Object.keys(before), ...Object.keys(revision.fields)])) {
      const [was, now] = [before[ref], revision.fields[ref]];
      if (JSON.stringify(was) === JSON.stringify(now)) continue;
      fields[ref] = {
        ...(was === undefined ? {} : { oldValue: shown(ctx, ref, was) }),
        ...(now === undefined ? {} : { newValue: shown(ctx, ref, now) }),
      };
    }
    const by = String(revision.fields['System.ChangedBy'] ?? '');
    const url = `${ctx.orgUrl}/_apis/wit/workItems/${item.id}/updates/${index + 1}`;
    return {
      id: index + 1,
      workItemId: item.id,
      rev: revision.rev,
      revisedBy: identityRef(ctx.orgUrl, findIdentity(ctx.state, by), by),
      revisedDate: String(item.revisions[index + 1]?.fields['System.ChangedDate'] ?? endOfTime),
      fields,
      _links: {
        self: { href: url },
        workItemUpdates: { href: `${ctx.orgUrl}/_apis/wit/workItems/${item.id}/updates` },
        parent: { href: `${ctx.orgUrl}/_apis/wit/workItems/${item.id}` },
      },
      url,
    };
  });
}

function intParam(ctx: RouteContext, name: string, fallback: number): number {
  const raw = ctx.url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw badRequest(`The value '${raw}' of parameter '${name}' is not a valid non-negative integer.`);
  return n;
}

/** `GET {project}/_apis/wit/workItems/{id}/updates`: a work item's history, paged by `$top` and `$skip`. */
export const updateRoutes: Route[] = [
  {
    method: 'GET',
    path: 'wit/workItems/:id/updates',
    handle: (ctx) => {
      const item = getWorkItem(ctx.state, parseId(ctx.params.id));
      const skip = intParam(ctx, '$skip', 0);
      const top = Math.min(intParam(ctx, '$top', maxPage), maxPage);
      const value = renderUpdates(ctx, item).slice(skip, skip + top);
      return json({ count: value.length, value });
    },
  },
];
