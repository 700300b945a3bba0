import { z } from 'zod';
import type { JiraClient } from './client.js';
import { jiraMillis, type JiraFieldInfo } from './fields.js';
import { changelogWords, isIssueLinkField, jiraFieldOf } from './links.js';
import { jqlString } from './query.js';
import {
  bulkChangelogSchema,
  bulkFetchSchema,
  legacySearchSchema,
  type JiraIssue,
  type JiraLinkType,
} from './schemas.js';

/** One changed field of a changelog entry; Cloud names it by `fieldId`, older Data Center only by `field` (its name). */
const changeItemSchema = z.looseObject({
  field: z.string().optional(),
  fieldtype: z.string().optional(),
  fieldId: z.string().optional(),
  fromString: z.string().nullish(),
  toString: z.string().nullish(),
});
type ChangeItem = z.infer<typeof changeItemSchema>;
const historySchema = z.looseObject({ created: z.string(), items: z.array(changeItemSchema).catch([]) });

/** Changelog names of system fields that differ from their ids. */
const systemAliases: Record<string, string> = {
  'fix version': 'fixVersions',
  version: 'versions',
  component: 'components',
  link: 'issuelinks',
  'due date': 'duedate',
  parent: 'parent',
  // Jira Cloud records a new parent under this name.
  issueparentassociation: 'parent',
};

/** The field id a changelog item is about. */
function fieldIdOf(item: ChangeItem, infos: Map<string, JiraFieldInfo>): string | undefined {
  if (item.fieldId) return item.fieldId;
  const name = item.field;
  if (!name) return undefined;
  const lower = name.toLowerCase();
  const byName = [...infos.values()].find((f) => f.name.toLowerCase() === lower);
  // Custom fields appear under their (display) name; system fields under a lower-case id-like name.
  if (item.fieldtype === 'custom') return byName?.id;
  if (infos.has(name)) return name;
  return systemAliases[lower] ?? [...infos.keys()].find((id) => id.toLowerCase() === lower) ?? byName?.id ?? name;
}

const chunk = <T>(list: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, i * size + size));

/** Latest change per issue id and field id, in ms. */
type Latest = Map<string, Map<string, number>>;

/**
 * The fields asked for by the Jira field their changes are recorded under: a field by itself, a
 * link field under `issuelinks` with the words its items read (`This issue blocks DEMO-2`), so a
 * change of another link type does not count.
 */
type Wanted = Map<string, Array<{ field: string; words?: string[] }>>;

async function wantedFields(fields: string[], linkTypes: () => Promise<JiraLinkType[]>): Promise<Wanted> {
  const wanted: Wanted = new Map();
  for (const field of fields) {
    const words = isIssueLinkField(field) ? changelogWords(await linkTypes(), field) : undefined;
    const id = jiraFieldOf(field);
    wanted.set(id, [...(wanted.get(id) ?? []), { field, ...(words ? { words } : {}) }]);
  }
  return wanted;
}

const saysLink = (item: ChangeItem, words: string[]) =>
  [item.toString, item.fromString].some((text) => words.some((w) => text?.startsWith(`This issue ${w} `)));

function consider(
  latest: Latest,
  infos: Map<string, JiraFieldInfo>,
  wanted: Wanted,
  issueId: string,
  raw: unknown,
): void {
  const entry = historySchema.safeParse(raw);
  if (!entry.success) return;
  const at = jiraMillis(entry.data.created);
  for (const item of entry.data.items) {
    const id = fieldIdOf(item, infos);
    for (const { field, words } of (id === undefined ? undefined : wanted.get(id)) ?? []) {
      if (words && !saysLink(item, words)) continue;
      const fields = latest.get(issueId) ?? new Map<string, number>();
      if (at > (fields.get(field) ?? -Infinity)) fields.set(field, at);
      latest.set(issueId, fields);
    }
  }
}

/**
 * When each field of these issues last changed, from their changelogs; a field never
 * changed reports the issue's `created`. Issues not found are left out. Cloud: one
 * `issue/bulkfetch` per 100 issues for `created`, and `changelog/bulkfetch` per 1,000
 * issues and 10 fields (its limits), filtered to the fields asked for. Data Center has no
 * bulk changelog: one search per 100 issues embeds each issue's whole changelog. Link fields
 * are asked for as `parent` and `issuelinks`, a link type's changes told apart by their words.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-changelog-bulkfetch-post
 */
export async function fieldChangeTimes(
  client: JiraClient,
  infos: Map<string, JiraFieldInfo>,
  ids: string[],
  fields: string[],
  linkTypes: () => Promise<JiraLinkType[]>,
): Promise<Record<string, Record<string, string>>> {
  if (ids.length === 0 || fields.length === 0) return {};
  const wanted = await wantedFields(fields, linkTypes);
  const latest: Latest = new Map();
  const issues: JiraIssue[] = [];
  for (const part of chunk([...new Set(ids)], 100)) {
    if (client.version === '2') {
      const page = await client.http.request({
        method: 'POST',
        path: client.api('search'),
        json: {
          jql: `id in (${part.map(jqlString).join(',')})`,
          maxResults: part.length,
          fields: ['created'],
          expand: ['changelog'],
        },
        schema: legacySearchSchema,
        idempotent: true,
      });
      for (const issue of page.issues)
        for (const raw of issue.changelog?.histories ?? []) consider(latest, infos, wanted, issue.id, raw);
      issues.push(...page.issues);
    } else {
      issues.push(
        ...(
          await client.http.request({
            method: 'POST',
            path: client.api('issue/bulkfetch'),
            json: { issueIdsOrKeys: part, fields: ['created'] },
            schema: bulkFetchSchema,
            idempotent: true,
          })
        ).issues,
      );
    }
  }
  if (client.version === '3') {
    for (const part of chunk(
      issues.map((i) => i.id),
      1000,
    )) {
      for (const fieldIds of chunk([...wanted.keys()], 10)) {
        let nextPageToken: string | undefined;
        do {
          const page = await client.http.request({
            method: 'POST',
            path: client.api('changelog/bulkfetch'),
            json: { issueIdsOrKeys: part, fieldIds, maxResults: 10000, ...(nextPageToken ? { nextPageToken } : {}) },
            schema: bulkChangelogSchema,
            idempotent: true,
          });
          for (const log of page.issueChangeLogs)
            for (const raw of log.changeHistories) consider(latest, infos, wanted, log.issueId, raw);
          nextPageToken = page.nextPageToken ?? undefined;
        } while (nextPageToken);
      }
    }
  }
  const found = new Map(issues.flatMap((i) => [[i.id, i] as const, [i.key.toUpperCase(), i] as const]));
  const out: Record<string, Record<string, string>> = {};
  for (const id of ids) {
    const issue = found.get(id) ?? found.get(id.toUpperCase());
    const created = issue?.fields.created;
    if (!issue || typeof created !== 'string') continue;
    const createdMs = jiraMillis(created);
    const changed = latest.get(issue.id);
    out[id] = Object.fromEntries(fields.map((f) => [f, new Date(changed?.get(f) ?? createdMs).toISOString()]));
  }
  return out;
}
