import { z } from 'zod';
import {
  SyncbridgeError,
  parseWorkItem,
  type FieldValue,
  type OriginRef,
  type UserRef,
  type WorkItem,
} from 'syncbridge';
import { ATTACHMENT_IDS_FIELD, compareLinkIds, linkTypeOf } from 'syncbridge/connector-kit';
import type { JiraClient } from './client.js';
import { jiraMillis, readValue, toUtcIso, userRef, type JiraFieldInfo } from './fields.js';
import { jiraFieldOf, linkValue, relationsOf } from './links.js';
import { originLabelPrefix, stampsOf } from './origin-stamps.js';
import {
  bulkChangelogSchema,
  isJiraChange,
  type JiraIssue,
  type JiraIssueLink,
  type JiraTransition,
  type JiraUser,
} from './schemas.js';

/** An item as read, plus its labels including stamps (writes must keep the stamps). */
export interface ReadIssue {
  item: WorkItem;
  labels: string[];
  /** Every origin stamp the issue carries (property and labels). */
  stamps: OriginRef[];
  /** Transitions available now, when the read asked for them (`expand=transitions`). */
  transitions?: JiraTransition[] | undefined;
  /** The issue's links, when the read asked for a link field (writes diff them). */
  links?: JiraIssueLink[] | undefined;
}

/**
 * The fields a read asks Jira for: the mapped ones (link fields as `parent` and `issuelinks`, which
 * come with the issue: no extra call) plus what revision, `updatedBy` and stamps need.
 */
export function fieldsToFetch(fields: string[]): string[] {
  return [...new Set([...fields.map(jiraFieldOf), 'updated', 'creator', 'labels', 'project', 'issuetype'])];
}

interface LatestChange {
  id: number;
  created: number;
  author: UserRef | null;
}

function later(a: LatestChange | undefined, b: LatestChange): LatestChange {
  return !a || b.created > a.created || (b.created === a.created && b.id > a.id) ? b : a;
}

/**
 * The latest changelog entry of each issue, in bulk (Jira has no "updated by" field).
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-changelog-bulkfetch-post
 */
async function latestChanges(client: JiraClient, issues: JiraIssue[]): Promise<Map<string, LatestChange>> {
  const latest = new Map<string, LatestChange>();
  const consider = (issueId: string, entry: { id: string; created: string; author?: JiraUser | undefined }) =>
    latest.set(
      issueId,
      later(latest.get(issueId), {
        id: Number(entry.id),
        created: jiraMillis(entry.created),
        author: userRef(entry.author),
      }),
    );
  // Data Center has no bulk changelog endpoint, so its reads always embed the changelog
  // (`expand=changelog`). Cloud embeds at most the 40 most recent entries; an embedded
  // changelog is used only when it is complete, or the latest id could differ from the
  // one a query computes and a revision check would fail for nothing.
  const embedded = (issue: JiraIssue) =>
    client.version === '2' ||
    (issue.changelog?.histories !== undefined &&
      (issue.changelog.total ?? Infinity) <= issue.changelog.histories.length);
  for (const issue of issues.filter(embedded)) {
    for (const entry of issue.changelog?.histories ?? []) if (isJiraChange(entry)) consider(issue.id, entry);
  }
  const rest = issues.filter((issue) => !embedded(issue));
  for (let i = 0; i < rest.length; i += 1000) {
    const ids = rest.slice(i, i + 1000).map((issue) => issue.id);
    let nextPageToken: string | undefined;
    do {
      const page = await client.http.request({
        method: 'POST',
        path: client.api('changelog/bulkfetch'),
        json: { issueIdsOrKeys: ids, maxResults: 10000, ...(nextPageToken ? { nextPageToken } : {}) },
        schema: bulkChangelogSchema,
        idempotent: true,
      });
      for (const log of page.issueChangeLogs) for (const entry of log.changeHistories) consider(log.issueId, entry);
      nextPageToken = page.nextPageToken ?? undefined;
    } while (nextPageToken);
  }
  return latest;
}

/** An attachment's id, all a read needs of the `attachment` field. */
const attachmentIdSchema = z.looseObject({ id: z.union([z.string(), z.number()]).transform(String) });

/** The ids of an issue's attachments (its `attachment` field), sorted. */
function attachmentIds(value: unknown): string[] {
  const parsed = z.array(attachmentIdSchema).nullish().safeParse(value);
  return (parsed.success ? (parsed.data ?? []) : []).map((a) => a.id).sort(compareLinkIds);
}

/** Turns Jira issues into validated work items, with `updatedBy` from their changelogs. */
export async function toWorkItems(
  client: JiraClient,
  system: string,
  infos: Map<string, JiraFieldInfo>,
  issues: JiraIssue[],
  fields: string[],
): Promise<ReadIssue[]> {
  if (issues.length === 0) return [];
  const changes = await latestChanges(client, issues);
  return issues.map((issue) => {
    const updatedRaw = issue.fields.updated;
    const updatedAt = typeof updatedRaw === 'string' ? toUtcIso(updatedRaw) : new Date(0).toISOString();
    const labels = Array.isArray(issue.fields.labels)
      ? issue.fields.labels.filter((l): l is string => typeof l === 'string')
      : [];
    const latest = changes.get(issue.id);
    const values: Record<string, FieldValue> = {};
    const relations = fields.some((id) => linkTypeOf(id) !== undefined) ? relationsOf(system, issue) : undefined;
    for (const id of fields) {
      if (relations && linkTypeOf(id) !== undefined) values[id] = linkValue(relations, id);
      else if (id === ATTACHMENT_IDS_FIELD) values[id] = attachmentIds(issue.fields.attachment);
      else if (id === 'labels') values.labels = labels.filter((l) => !l.startsWith(originLabelPrefix));
      else {
        const info = infos.get(id);
        values[id] = info ? readValue(info, issue.fields[id], client.version) : null;
      }
    }
    // Without changelog entries the issue is unchanged since creation, so its creator changed it last.
    const updatedBy = latest?.author ?? userRef(issue.fields.creator as JiraUser | undefined);
    const stamps = stampsOf(issue.properties, labels);
    const origin = stamps[0];
    const project = issue.fields.project as { key?: unknown; id?: unknown; name?: unknown } | undefined;
    const type = (issue.fields.issuetype as { name?: unknown } | undefined)?.name;
    const projects = [project?.key, project?.id, project?.name].filter((p): p is string => typeof p === 'string');
    const scope = projects.length > 0 && typeof type === 'string' ? { scope: { projects, type } } : {};
    const candidate = {
      id: issue.id,
      key: issue.key,
      revision: `${Date.parse(updatedAt)}-${latest?.id ?? 0}`,
      updatedAt,
      updatedBy,
      fields: values,
      ...(origin ? { origin } : {}),
      ...scope,
    };
    const parsed = parseWorkItem(candidate);
    if (!parsed.success)
      throw new SyncbridgeError(
        'PROTOCOL',
        `${system}: issue ${issue.key} could not be read: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
        { system },
      );
    return {
      item: parsed.data as WorkItem,
      labels,
      stamps,
      ...(issue.transitions ? { transitions: issue.transitions } : {}),
      ...(relations ? { links: relations.links } : {}),
    };
  });
}
