import { SyncbridgeError, type FieldDescriptor, type UserRef } from 'syncbridge';
import type { EntityTypeInfo, ProjectInfo } from 'syncbridge/connector-kit';
import type { JiraClient } from './client.js';
import { kindOf, userRef, type JiraFieldInfo } from './fields.js';
import {
  createMetaFieldsSchema,
  createMetaTypesSchema,
  jiraUserSchema,
  projectPageSchema,
  projectStatusesSchema,
} from './schemas.js';
import { z } from 'zod';

/**
 * Projects visible to the integration user, all pages.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-projects/#api-rest-api-3-project-search-get
 */
export async function listProjects(client: JiraClient): Promise<ProjectInfo[]> {
  if (client.version === '2') {
    const all = await client.http.request({
      path: client.api('project'),
      schema: z.array(z.looseObject({ id: z.string(), key: z.string(), name: z.string() })),
    });
    return all.map((p) => ({ id: p.id, key: p.key, name: p.name }));
  }
  const out: ProjectInfo[] = [];
  for (let startAt = 0; ; ) {
    const page = await client.http.request({
      path: client.api('project/search'),
      query: { startAt, maxResults: 100 },
      schema: projectPageSchema,
    });
    out.push(...page.values.map((p) => ({ id: p.id, key: p.key, name: p.name })));
    startAt += page.values.length;
    if (page.isLast !== false || page.values.length === 0) return out;
  }
}

/** Issue types of a project that issues can be created with. */
export async function listEntityTypes(client: JiraClient, project: string): Promise<EntityTypeInfo[]> {
  const page = await client.http.request({
    path: client.api(`issue/createmeta/${encodeURIComponent(project)}/issuetypes`),
    query: { maxResults: 200 },
    schema: createMetaTypesSchema,
  });
  return (page.issueTypes ?? page.values ?? []).map((t) => ({ id: t.id, name: t.name }));
}

const hidden = new Set(['project', 'issuetype', 'attachment', 'issuelinks', 'parent']);

/**
 * Fields of an issue type with kinds and allowed values, from the create screen
 * (`createmeta`), plus `status` (set through transitions), the read-only timestamps, and the
 * other fields of the site (`catalog`, from `GET /field`) as read-only: they can be read, but
 * Jira refuses to set a field that is not on the screen.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-createmeta-projectidorkey-issuetypes-issuetypeid-get
 */
export async function listFields(
  client: JiraClient,
  system: string,
  project: string,
  type: string,
  catalog: () => Promise<Map<string, JiraFieldInfo>>,
): Promise<FieldDescriptor[]> {
  const types = await listEntityTypes(client, project);
  const issueType = types.find((t) => t.name.toLowerCase() === type.toLowerCase() || t.id === type);
  if (!issueType)
    throw new SyncbridgeError(
      'NOT_FOUND',
      `${system}: project ${project} has no issue type '${type}' (it has: ${types.map((t) => t.name).join(', ')})`,
      { system },
    );
  const out: FieldDescriptor[] = [];
  for (let startAt = 0; ; ) {
    const page = await client.http.request({
      path: client.api(`issue/createmeta/${encodeURIComponent(project)}/issuetypes/${issueType.id}`),
      query: { startAt, maxResults: 200 },
      schema: createMetaFieldsSchema,
    });
    const fields = page.fields ?? page.values ?? [];
    for (const f of fields) {
      const kind = kindOf({ id: f.fieldId, name: f.name, schema: f.schema });
      if (!kind || hidden.has(f.fieldId)) continue;
      const allowed = f.allowedValues?.map((v) => ({
        name: v.name ?? v.value ?? v.id ?? '',
        ...(v.id ? { id: v.id } : {}),
      }));
      // Jira refuses labels holding white space ("The label 'a b' contains spaces which is invalid.").
      out.push({
        id: f.fieldId,
        name: f.name,
        kind,
        required: f.required,
        writable: true,
        ...(allowed ? { allowedValues: allowed } : {}),
        ...(f.fieldId === 'labels' ? { valuePattern: '^\\S+$' } : {}),
      });
    }
    startAt += fields.length;
    if (fields.length === 0 || startAt >= (page.total ?? 0)) break;
  }
  const statuses = await client.http.request({
    path: client.api(`project/${encodeURIComponent(project)}/statuses`),
    schema: projectStatusesSchema,
  });
  const forType = statuses.find((s) => s.id === issueType.id)?.statuses ?? [];
  out.push({
    id: 'status',
    name: 'Status',
    kind: 'lookup',
    required: false,
    writable: true,
    allowedValues: forType.map((s) => ({ name: s.name, id: s.id })),
  });
  const setByJira = { required: false, writable: false, readOnlyReason: 'Jira sets it itself' } as const;
  out.push(
    { id: 'created', name: 'Created', kind: 'datetime', ...setByJira },
    { id: 'updated', name: 'Updated', kind: 'datetime', ...setByJira },
  );
  const listed = new Set(out.map((f) => f.id));
  for (const info of (await catalog()).values()) {
    const kind = kindOf(info);
    if (!kind || hidden.has(info.id) || listed.has(info.id)) continue;
    out.push({
      id: info.id,
      name: info.name,
      kind,
      required: false,
      writable: false,
      readOnlyReason: `not on the create screen of ${project} ${issueType.name}; add it to the screen to write it`,
    });
  }
  return out;
}

/**
 * Users with an e-mail address. Jira Cloud matches hidden addresses but does not show
 * them, so a single match without a visible address is taken as the user; where the
 * address is hidden and ambiguous, none is returned and the user value map must name
 * the account id (or display name) instead.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-user-search/#api-rest-api-3-user-search-get
 */
export async function findUsers(client: JiraClient, email: string): Promise<UserRef[]> {
  const found = await client.http.request({
    path: client.api('user/search'),
    query: client.version === '2' ? { username: email } : { query: email },
    schema: z.array(jiraUserSchema),
  });
  const wanted = email.toLowerCase();
  const exact = found.filter((u) => u.emailAddress?.toLowerCase() === wanted);
  const matched = exact.length > 0 ? exact : found.length === 1 && !found[0]?.emailAddress ? found : [];
  return matched.map((u) => ({ ...userRef(u), email: u.emailAddress ?? email }) as UserRef);
}

/** Users per `users/search` (Cloud) or `user/search` (Data Center) page. */
const userPageSize = 100;

/**
 * Every person the integration user can see, page by page. Jira Cloud's "get all users"
 * also returns app and customer accounts and inactive users: only active `atlassian`
 * accounts are kept, with the e-mail where the profile shows it. Jira Data Center has no
 * such operation; the user search with the `.` wildcard lists all active users (on Jira
 * 10 only the first 100, a limit of the server). Paging stops at the first empty page,
 * as neither operation reports a total.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-users/#api-rest-api-3-users-search-get
 * @see https://docs.atlassian.com/software/jira/docs/api/REST/latest/#api/2/user-findUsers
 */
export async function* listUsers(client: JiraClient): AsyncGenerator<UserRef[]> {
  const seen = new Set<string>();
  for (let startAt = 0; ; ) {
    const path = client.version === '2' ? client.api('user/search') : client.api('users/search');
    const query =
      client.version === '2'
        ? { username: '.', startAt, maxResults: userPageSize }
        : { startAt, maxResults: userPageSize };
    const page = await client.http.request({ path, query, schema: z.array(jiraUserSchema) });
    if (page.length === 0) return;
    startAt += page.length;
    const people = page.filter(
      (u) => u.active !== false && (u.accountType === undefined || u.accountType === 'atlassian'),
    );
    const fresh = people.map(userRef).filter((u): u is UserRef => u !== null && !seen.has(u.id));
    // A server that ignores startAt would repeat its first page for ever.
    if (fresh.length === 0 && people.length > 0) return;
    for (const user of fresh) seen.add(user.id);
    if (fresh.length > 0) yield fresh;
  }
}
