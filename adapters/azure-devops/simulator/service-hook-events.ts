import { randomUUID } from 'node:crypto';
import { identityRef, renderWorkItem } from './render.js';
import { findIdentity, findProject, type AdoSimState, type SimWorkItem } from './state.js';

/** A work item event type of the `tfs` publisher. */
export type AdoEventType = 'workitem.created' | 'workitem.updated' | 'workitem.deleted' | 'workitem.commented';

/** One thing that happened to a work item, before it is rendered for a subscription. */
export interface WorkItemHappening {
  eventType: AdoEventType;
  /** The work item as it is now (or was, when deleted). */
  item: SimWorkItem;
  /** For `workitem.updated`: the revision before and the one it is about. */
  fromRev?: number | undefined;
  rev?: number | undefined;
  /** `uniqueName` of who did it. */
  by: string;
  /** The event's id, shared by the notifications of every subscription. */
  id: string;
  at: string;
}

/** Creates a happening with a fresh event id. */
export function happening(
  eventType: AdoEventType,
  item: SimWorkItem,
  by: string,
  revs?: { fromRev: number; rev: number },
): WorkItemHappening {
  const rev = revs ? item.revisions.find((r) => r.rev === revs.rev) : undefined;
  const at = String(rev?.fields['System.ChangedDate'] ?? item.fields['System.ChangedDate'] ?? new Date().toISOString());
  return { eventType, item, by, id: randomUUID(), at, ...(revs ?? {}) };
}

const verbs: Record<AdoEventType, string> = {
  'workitem.created': 'created',
  'workitem.updated': 'updated',
  'workitem.deleted': 'deleted',
  'workitem.commented': 'commented on',
};

/** Field changes between two revisions, as `{ oldValue, newValue }` (a new field has no `oldValue`). */
function fieldChanges(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, { oldValue?: unknown; newValue?: unknown }> {
  const out: Record<string, { oldValue?: unknown; newValue?: unknown }> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[key] === after[key]) continue;
    out[key] = {
      ...(before[key] !== undefined ? { oldValue: before[key] } : {}),
      ...(after[key] !== undefined ? { newValue: after[key] } : {}),
    };
  }
  return out;
}

/**
 * The service hook event (`Event`) posted for a happening, for one subscription: `id`,
 * `eventType`, `publisherId: "tfs"`, messages, `resource` (the work item; for
 * `workitem.updated` a `WorkItemUpdate` with `workItemId`, `rev`, `fields` as
 * `{oldValue, newValue}` and the full `revision`), `resourceVersion`, `resourceContainers`.
 * @see https://learn.microsoft.com/en-us/azure/devops/service-hooks/events#workitem.updated
 */
export function renderEvent(
  state: AdoSimState,
  orgUrl: string,
  event: WorkItemHappening,
  subscriptionId: string,
  notificationId: number,
): Record<string, unknown> {
  const { item } = event;
  const type = String(item.fields['System.WorkItemType'] ?? '');
  const title = String(item.fields['System.Title'] ?? '');
  const actor = findIdentity(state, event.by);
  const who = actor?.displayName ?? event.by;
  const project = findProject(state, String(item.fields['System.TeamProject'] ?? ''));
  const link = `${orgUrl}/${encodeURIComponent(project?.name ?? '')}/_workitems/edit/${item.id}`;
  const text = `${type} #${item.id} (${title}) ${verbs[event.eventType]} by ${who}\r\n(${link})`;
  let resource: Record<string, unknown>;
  if (event.eventType === 'workitem.updated' && event.rev !== undefined) {
    const before = item.revisions.find((r) => r.rev === event.fromRev)?.fields ?? {};
    const revision = item.revisions.find((r) => r.rev === event.rev) ?? { rev: item.rev, fields: item.fields };
    const full = renderWorkItem(state, orgUrl, { ...item, rev: revision.rev, fields: revision.fields });
    resource = {
      id: revision.rev,
      workItemId: item.id,
      rev: revision.rev,
      revisedBy: identityRef(orgUrl, actor, event.by),
      revisedDate: event.at,
      fields: fieldChanges(before, revision.fields),
      _links: {
        self: { href: `${orgUrl}/_apis/wit/workItems/${item.id}/updates/${revision.rev}` },
        parent: { href: `${orgUrl}/_apis/wit/workItems/${item.id}` },
      },
      url: `${orgUrl}/_apis/wit/workItems/${item.id}/updates/${revision.rev}`,
      revision: full,
    };
  } else {
    resource = renderWorkItem(state, orgUrl, item);
  }
  const containers = {
    collection: { id: state.organization },
    account: { id: state.organization },
    ...(project ? { project: { id: project.id, baseUrl: `${orgUrl}/` } } : {}),
  };
  return {
    subscriptionId,
    notificationId,
    id: event.id,
    eventType: event.eventType,
    publisherId: 'tfs',
    message: { text, html: text, markdown: text },
    detailedMessage: { text, html: text, markdown: text },
    resource,
    resourceVersion: '1.0',
    resourceContainers: containers,
    createdDate: event.at,
  };
}
