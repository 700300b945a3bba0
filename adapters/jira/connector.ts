import { DateTime } from 'luxon';
import {
  isSyncbridgeError,
  valuesEqual,
  type FieldValue,
  type RemoteError,
  type UserRef,
  type WorkItem,
} from 'syncbridge';
import { defineConnector, PromiseCache } from 'syncbridge/connector-kit';
import { createJiraClient, type JiraClient } from './client.js';
import { findUsers, listEntityTypes, listFields, listProjects, listUsers } from './discovery.js';
import { jiraMillis, kindOf, toUtcIso, userRef, type JiraFieldInfo } from './fields.js';
import { jiraOptionsSchema, resolveJiraOptions, type JiraOptions } from './options.js';
import { keyScan, keysetScan } from './paging.js';
import { composeJql, jqlString, windowStart, type JqlParts } from './query.js';
import { fieldsToFetch, toWorkItems, type ReadIssue } from './reader.js';
import {
  bulkFetchSchema,
  enhancedSearchSchema,
  fieldListSchema,
  jiraUserSchema,
  legacySearchSchema,
  type JiraIssue,
  type JiraLinkType,
} from './schemas.js';
import { testJiraConnection } from './diagnostics.js';
import { jiraComments } from './comments.js';
import { fieldChangeTimes } from './change-times.js';
import { createIssues, updateIssue, type WriteContext } from './writer.js';
import { fetchLinkTypes, linkDescriptors } from './links.js';
import { jiraAttachments } from './attachments.js';
import { attachmentUrls } from './rich-text.js';
import { ORIGIN_PROPERTY, sameOrigin, stampClause } from './origin-stamps.js';
import { jiraRemoteLinks } from './remote-links.js';
import { jiraWebhooks } from './webhooks.js';

/**
 * Jira Cloud (REST v3) and Jira Data Center (REST v2) as a syncbridge connector.
 *
 * Origin stamps are the issue property `syncbridge.origin` by default (invisible to people,
 * found by JQL once an app indexes it), or labels `sb-origin-<system>-<id>` (option
 * `originStamp: 'label'`: searchable on every site, but shown in label pickers); both are read,
 * and stamp labels are hidden from the `labels` values the connector returns. Back-links to a
 * twin are remote links keyed by a `globalId` naming the twin's system and id.
 */
export const jiraConnector = defineConnector<JiraOptions>({
  kind: 'jira',
  category: 'alm',
  optionsSchema: jiraOptionsSchema,
  capabilities: {
    maxCreateBatch: 50,
    maxUpdateBatch: 1,
    maxGetBatch: 100,
    conditionalUpdate: false,
    comments: true,
    commentStamps: true,
    commentUpdates: true,
    commentDeletes: true,
    originStamp: 'property',
    backlinks: true,
    attachments: true,
    attachmentStamps: false,
    links: true,
    updatedBy: true,
    sincePrecisionMs: 60_000,
  },
  create(system, rawOptions, context) {
    const options = resolveJiraOptions(rawOptions);
    const client: JiraClient = createJiraClient(system, options, context);
    const { http } = client;
    const infos = new PromiseCache<'fields', Map<string, JiraFieldInfo>>();
    const me = new PromiseCache<'me', { user: UserRef; timeZone: string }>();
    const types = new PromiseCache<'linkTypes', JiraLinkType[]>();
    const linkTypes = () => types.get('linkTypes', () => fetchLinkTypes(client));

    const fieldInfo = () =>
      infos.get(
        'fields',
        async () =>
          new Map(
            (await http.request({ path: client.api('field'), schema: fieldListSchema })).map((f) => [
              f.id,
              { id: f.id, name: f.name, schema: f.schema },
            ]),
          ),
      );
    const myself = () =>
      me.get('me', async () => {
        const u = await http.request({ path: client.api('myself'), schema: jiraUserSchema });
        return { user: userRef(u) ?? { id: 'unknown' }, timeZone: u.timeZone ?? 'UTC' };
      });

    /**
     * The first page of a JQL query, and whether the result held more. Pages are never asked
     * for by offset: see {@link keysetScan}.
     */
    async function firstPage(
      jql: string,
      fields: string[],
      pageSize: number,
      signal?: AbortSignal,
    ): Promise<{ issues: JiraIssue[]; more: boolean }> {
      const wanted = fieldsToFetch(fields);
      const abort = signal ? { signal } : {};
      if (client.version === '2') {
        const page = await http.request({
          method: 'POST',
          path: client.api('search'),
          json: {
            jql,
            startAt: 0,
            maxResults: pageSize,
            fields: wanted,
            expand: ['changelog'],
            properties: [ORIGIN_PROPERTY],
          },
          schema: legacySearchSchema,
          idempotent: true,
          ...abort,
        });
        return { issues: page.issues, more: page.issues.length < page.total };
      }
      // Enhanced search has no total; a token means more. https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post
      // The page embeds each issue's recent changelog, which spares a changelog call per page for `updatedBy`.
      const page = await http.request({
        method: 'POST',
        path: client.api('search/jql'),
        json: { jql, maxResults: pageSize, fields: wanted, expand: 'changelog', properties: [ORIGIN_PROPERTY] },
        schema: enhancedSearchSchema,
        idempotent: true,
        ...abort,
      });
      return { issues: page.issues, more: Boolean(page.nextPageToken) && page.isLast !== true };
    }

    /** Reads issues by id; `expand` (Cloud only) embeds the recent changelog and the available transitions, saving calls on small reads. */
    async function read(
      ids: string[],
      fields: string[],
      expand: Array<'changelog' | 'transitions'> = [],
    ): Promise<ReadIssue[]> {
      if (ids.length === 0) return [];
      const map = await fieldInfo();
      let issues: JiraIssue[];
      if (client.version === '2') {
        const page = await http.request({
          method: 'POST',
          path: client.api('search'),
          json: {
            jql: `id in (${ids.map(jqlString).join(',')})`,
            maxResults: ids.length,
            fields: fieldsToFetch(fields),
            expand: ['changelog'],
            properties: [ORIGIN_PROPERTY],
          },
          schema: legacySearchSchema,
          idempotent: true,
        });
        issues = page.issues;
      } else {
        const answer = await http.request({
          method: 'POST',
          path: client.api('issue/bulkfetch'),
          json: {
            issueIdsOrKeys: ids,
            fields: fieldsToFetch(fields),
            properties: [ORIGIN_PROPERTY],
            ...(expand.length ? { expand } : {}),
          },
          schema: bulkFetchSchema,
          idempotent: true,
        });
        issues = answer.issues;
      }
      return toWorkItems(client, system.id, map, issues, fields);
    }

    // Whether JQL can search the origin property (an app indexes it); learnt from Jira's answer.
    let propertySearchable = true;

    /** Every issue of a lookup, read in key order (see {@link keyScan}). */
    async function all(parts: Omit<JqlParts, 'orderBy'>, fields: string[]): Promise<ReadIssue[]> {
      const map = await fieldInfo();
      const out: ReadIssue[] = [];
      for await (const page of keyScan(parts, (jql) => firstPage(jql, fields, options.pageSize)))
        out.push(...(await toWorkItems(client, system.id, map, page, fields)));
      return out;
    }

    const attachments = jiraAttachments(client, system.id, system.baseUrl);
    const attachmentUrlsOf = async (issueId: string) => attachmentUrls(await attachments.list(issueId));
    const writeContext: WriteContext = {
      client,
      system: system.id,
      originStamp: options.originStamp,
      fieldInfo,
      linkTypes,
      read,
      convert: async (issues, fields) => toWorkItems(client, system.id, await fieldInfo(), issues, fields),
      attachmentUrls: attachmentUrlsOf,
    };

    return {
      testConnection: (opts) => testJiraConnection(client, system, context.logger, opts ?? {}),
      whoami: async () => (await myself()).user,
      listProjects: () => listProjects(client),
      listEntityTypes: (project) => listEntityTypes(client, project),
      listFields: async (project, type) => [
        ...(await listFields(client, system.id, project, type, fieldInfo)),
        ...linkDescriptors(await linkTypes()),
      ],
      findUsers: ({ email }) => findUsers(client, email),
      listUsers: () => listUsers(client),

      async *query(request) {
        const zone = async () => options.timeZone ?? (await myself()).timeZone;
        const from = request.since ? windowStart(request.since.value, await zone(), options.overlapMinutes) : undefined;
        const sinceMs = request.since ? DateTime.fromISO(request.since.value, { setZone: true }).toMillis() : undefined;
        // Search pages hold at most `options.pageSize` issues; a larger page asked for is filled from several.
        const wanted = request.pageSize ?? options.pageSize;
        const pageSize = Math.min(wanted, options.pageSize);
        const map = await fieldInfo();
        const scan = keysetScan(
          { parts: { project: request.project, type: request.type, filter: request.filter }, from, zone },
          (jql) => firstPage(jql, request.fields, pageSize, request.signal),
        );
        // Issues read but not yet yielded, by id: an issue read again (edited meanwhile) is held once, at its newer version.
        const held = new Map<string, JiraIssue>();
        const release = async (count: number) => {
          const out = [...held.values()].slice(0, count);
          for (const issue of out) held.delete(issue.id);
          return (await toWorkItems(client, system.id, map, out, request.fields)).map((r) => r.item);
        };
        for await (const page of scan) {
          for (const issue of page) {
            // The window reaches back to a whole minute and more: drop what is older than `since`.
            if (
              sinceMs !== undefined &&
              typeof issue.fields.updated === 'string' &&
              jiraMillis(issue.fields.updated) < sinceMs
            )
              continue;
            held.delete(issue.id);
            held.set(issue.id, issue);
          }
          while (held.size >= wanted) yield await release(wanted);
        }
        if (held.size > 0) yield await release(held.size);
      },

      /**
       * Searches with the JQL `query` would send, for one id; Jira answers 400 with its parser's
       * messages for JQL it refuses (an unknown field, a value that does not exist, a syntax error).
       * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post
       */
      async checkFilter({ project, type, filter }) {
        const jql = composeJql({ project, type, filter });
        try {
          await http.request({
            method: 'POST',
            path: client.api(client.version === '2' ? 'search' : 'search/jql'),
            json: { jql, maxResults: 1, fields: ['id'] },
            idempotent: true,
          });
          return [];
        } catch (error) {
          if (!isSyncbridgeError(error) || error.details.status !== 400) throw error;
          const messages = (error as RemoteError).remoteMessages;
          return messages.length > 0 ? messages : [error.message];
        }
      },

      getMany: async (ids, { fields }) => (await read(ids, fields, ['changelog'])).map((r) => r.item),
      create: (items) => createIssues(writeContext, items),
      fieldChangeTimes: async (ids, fields) => fieldChangeTimes(client, await fieldInfo(), ids, fields, linkTypes),
      /** @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-delete */
      async deleteItem(id) {
        await http.request({ method: 'DELETE', path: client.api(`issue/${encodeURIComponent(id)}`) });
      },
      async update(items) {
        const out = [];
        for (const item of items) out.push(await updateIssue(writeContext, item));
        return out;
      },

      /**
       * One query per call for the stamps. JQL finds the property stamp only once an app indexes it
       * (see the adapters guide); on a site where none does, Jira refuses the clause, and the copies
       * are found among the integration user's own issues instead, read with their properties.
       */
      async findByOrigin({ project, type, origins, fields }) {
        if (origins.length === 0) return [];
        const stamped = (found: ReadIssue[]) =>
          found.flatMap((r) =>
            origins.filter((o) => r.stamps.some((s) => sameOrigin(s, o))).map((origin) => ({ origin, item: r.item })),
          );
        if (options.originStamp === 'property' && !propertySearchable) {
          return stamped(await all({ project, type, clauses: ['creator = currentUser()'] }, fields));
        }
        try {
          return stamped(await all({ project, type, clauses: [stampClause(origins, options.originStamp)] }, fields));
        } catch (error) {
          const unindexed =
            isSyncbridgeError(error) && error.details.status === 400 && error.message.includes(`[${ORIGIN_PROPERTY}]`);
          if (options.originStamp !== 'property' || !unindexed) throw error;
          propertySearchable = false;
          context.logger.warn(
            "no app indexes the origin property for JQL: finding copies among the integration user's issues",
            {
              system: system.id,
              property: ORIGIN_PROPERTY,
            },
          );
          return stamped(await all({ project, type, clauses: ['creator = currentUser()'] }, fields));
        }
      },

      async findByField({ project, type, field, values, fields }) {
        if (values.length === 0) return [];
        const info = (await fieldInfo()).get(field);
        const kind = info ? kindOf(info) : undefined;
        const clauseName = info?.schema?.custom ? `cf[${field.replace('customfield_', '')}]` : field;
        // Text fields only support `~` (contains) in JQL; exact matches are picked out below.
        const clause =
          kind === 'text' || kind === 'richText'
            ? `(${values.map((v) => `${clauseName} ~ ${jqlString(v)}`).join(' OR ')})`
            : `${clauseName} in (${values.map(jqlString).join(', ')})`;
        const wanted = [...new Set([...fields, field])];
        const found = await all({ project, type, clauses: [clause] }, wanted);
        return found
          .map((r) => r.item)
          .filter((item: WorkItem) => {
            const value = item.fields[field];
            const match = (v: string) =>
              Array.isArray(value)
                ? value.includes(v)
                : valuesEqual(value as FieldValue, v) ||
                  (typeof value === 'object' && value !== null && 'id' in value && value.id === v);
            return values.some(match);
          });
      },

      ...jiraComments(client, attachmentUrlsOf),
      ...jiraRemoteLinks(client),
      attachments,
      webhooks: jiraWebhooks(client),
      titleField: 'summary',
      webUrl: (item) => `${system.baseUrl.replace(/\/+$/, '')}/browse/${encodeURIComponent(item.key)}`,

      async latestChange(project, type) {
        const page = await http.request({
          method: 'POST',
          path: client.api(client.version === '2' ? 'search' : 'search/jql'),
          json: { jql: composeJql({ project, type, orderBy: 'updated DESC' }), maxResults: 1, fields: ['updated'] },
          schema: enhancedSearchSchema,
          idempotent: true,
        });
        const updated = page.issues[0]?.fields.updated;
        return typeof updated === 'string' ? { kind: 'timestamp', value: toUtcIso(updated) } : null;
      },
    };
  },
});
