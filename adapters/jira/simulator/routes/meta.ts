import { fail, intParam, json, type Route, type RouteContext } from '../http.js';
import { renderIssueType, renderProject, renderStatus, renderUser } from '../render.js';
import type { SimField } from '../state.js';

function project(ctx: RouteContext, idOrKey: string | undefined) {
  const p = idOrKey ? ctx.state.project(decodeURIComponent(idOrKey)) : undefined;
  if (!p) return fail(404, [`No project could be found with key '${idOrKey}'.`]);
  return p;
}

/** A field as `createmeta` describes it (`FieldCreateMetadata`), with allowed values for closed sets. */
function createMetaField(ctx: RouteContext, field: SimField): Record<string, unknown> {
  const { state } = ctx;
  const base = ctx.render.baseUrl;
  let allowedValues: unknown[] | undefined;
  if (field.id === 'priority')
    allowedValues = state.priorities.map((p) => ({
      self: `${base}/rest/api/3/priority/${p.id}`,
      iconUrl: `${base}/images/icons/priorities/${p.name.toLowerCase()}.svg`,
      name: p.name,
      id: p.id,
    }));
  if (field.options)
    allowedValues = field.options.map((o) => ({
      self: `${base}/rest/api/3/customFieldOption/${o.id}`,
      value: o.value,
      id: o.id,
    }));
  const operations = field.schema.type === 'array' ? ['add', 'set', 'remove'] : ['set'];
  return {
    required: field.required ?? false,
    schema: field.schema,
    name: field.name,
    key: field.id,
    fieldId: field.id,
    ...(field.id === 'labels' ? { autoCompleteUrl: `${base}/rest/api/1.0/labels/suggest?query=` } : {}),
    hasDefaultValue: field.id === 'priority',
    operations,
    ...(allowedValues ? { allowedValues } : {}),
  };
}

/** Identity, server facts, projects, issue types, fields, priorities and statuses. */
export const metaRoutes: Route[] = [
  {
    method: 'GET',
    path: /^myself$/,
    handle: (ctx) =>
      json({
        ...renderUser(ctx.render, ctx.user),
        emailAddress: ctx.user.email,
        locale: 'en_US',
        groups: { size: 1, items: [] },
        applicationRoles: { size: 1, items: [] },
        expand: 'groups,applicationRoles',
      }),
  },
  {
    method: 'GET',
    path: /^serverInfo$/,
    handle: (ctx) =>
      json(
        ctx.render.version === '3'
          ? {
              baseUrl: ctx.render.baseUrl,
              displayUrl: ctx.render.baseUrl,
              version: '1001.0.0-SNAPSHOT',
              versionNumbers: [1001, 0, 0],
              deploymentType: 'Cloud',
              buildNumber: 100282,
              buildDate: '2025-01-01T00:00:00.000+0000',
              serverTime: new Date().toISOString().replace('Z', '+0000'),
              scmInfo: 'syncbridge-simulator',
              serverTitle: 'Jira (syncbridge simulator)',
            }
          : {
              baseUrl: ctx.render.baseUrl,
              version: '9.12.0',
              versionNumbers: [9, 12, 0],
              deploymentType: 'Server',
              buildNumber: 9120000,
              buildDate: '2024-01-01T00:00:00.000+0000',
              serverTime: new Date().toISOString().replace('Z', '+0000'),
              scmInfo: 'syncbridge-simulator',
              serverTitle: 'Jira (syncbridge simulator)',
            },
      ),
  },
  {
    method: 'GET',
    path: /^project\/search$/,
    handle: (ctx) => {
      const startAt = intParam(ctx.url, 'startAt', 0, Number.MAX_SAFE_INTEGER);
      const maxResults = intParam(ctx.url, 'maxResults', 50, 100);
      const all = ctx.state.projects;
      const values = all.slice(startAt, startAt + maxResults).map((p) => renderProject(ctx.render, p.id));
      const isLast = startAt + maxResults >= all.length;
      const self = `${ctx.render.baseUrl}/rest/api/3/project/search?startAt=${startAt}&maxResults=${maxResults}`;
      return json({
        self,
        ...(isLast
          ? {}
          : {
              nextPage: `${ctx.render.baseUrl}/rest/api/3/project/search?startAt=${startAt + maxResults}&maxResults=${maxResults}`,
            }),
        maxResults,
        startAt,
        total: all.length,
        isLast,
        values,
      });
    },
  },
  {
    // All visible projects in one array: how Data Center (v2) lists them; Cloud still serves it but pages with project/search.
    method: 'GET',
    path: /^project$/,
    handle: (ctx) =>
      json(
        ctx.state.projects.map((p) => ({
          expand: 'description,lead,url,projectKeys',
          ...renderProject(ctx.render, p.id),
        })),
      ),
  },
  {
    method: 'GET',
    path: /^project\/([^/]+)$/,
    handle: (ctx) => {
      const p = project(ctx, ctx.params[0]);
      return json({
        ...renderProject(ctx.render, p.id),
        issueTypes: p.issueTypeIds.map((id) => renderIssueType(ctx.render, id)),
      });
    },
  },
  {
    method: 'GET',
    path: /^project\/([^/]+)\/statuses$/,
    handle: (ctx) => {
      const p = project(ctx, ctx.params[0]);
      const statuses = ctx.state.statuses.map((s) => renderStatus(ctx.render, s));
      return json(
        p.issueTypeIds.map((id) => ({
          self: `${ctx.render.baseUrl}/rest/api/3/issuetype/${id}`,
          id,
          name: ctx.state.issueTypes.find((t) => t.id === id)?.name,
          subtask: false,
          statuses,
        })),
      );
    },
  },
  {
    method: 'GET',
    path: /^issue\/createmeta\/([^/]+)\/issuetypes$/,
    handle: (ctx) => {
      const p = project(ctx, ctx.params[0]);
      const startAt = intParam(ctx.url, 'startAt', 0, Number.MAX_SAFE_INTEGER);
      const maxResults = intParam(ctx.url, 'maxResults', 50, 200);
      const types = p.issueTypeIds.map((id) => renderIssueType(ctx.render, id));
      const page = types.slice(startAt, startAt + maxResults);
      // Data Center pages as `values` with `isLast`; Cloud names the list `issueTypes`.
      if (ctx.render.version === '2')
        return json({
          maxResults,
          startAt,
          total: types.length,
          isLast: startAt + maxResults >= types.length,
          values: page,
        });
      return json({ maxResults, startAt, total: types.length, issueTypes: page });
    },
  },
  {
    method: 'GET',
    path: /^issue\/createmeta\/([^/]+)\/issuetypes\/([^/]+)$/,
    handle: (ctx) => {
      const p = project(ctx, ctx.params[0]);
      if (!p.issueTypeIds.includes(ctx.params[1] ?? '')) fail(400, ['The issue type selected is invalid.']);
      const startAt = intParam(ctx.url, 'startAt', 0, Number.MAX_SAFE_INTEGER);
      const maxResults = intParam(ctx.url, 'maxResults', 50, 200);
      const fields = ctx.state.fields.filter((f) => f.onScreen).map((f) => createMetaField(ctx, f));
      const page = fields.slice(startAt, startAt + maxResults);
      if (ctx.render.version === '2')
        return json({
          maxResults,
          startAt,
          total: fields.length,
          isLast: startAt + maxResults >= fields.length,
          values: page,
        });
      return json({ maxResults, startAt, total: fields.length, fields: page });
    },
  },
  {
    method: 'GET',
    path: /^field$/,
    handle: (ctx) =>
      json(
        ctx.state.fields.map((f) => ({
          id: f.id,
          key: f.id,
          name: f.name,
          custom: f.custom,
          orderable: f.onScreen,
          navigable: true,
          searchable: true,
          clauseNames: f.clauseNames,
          schema: f.schema,
        })),
      ),
  },
  {
    // The labels a label picker offers: every label on any issue, sorted, in pages (`PageBeanString`).
    // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-labels/#api-rest-api-3-label-get
    method: 'GET',
    path: /^label$/,
    handle: (ctx) => {
      const all = [
        ...new Set(
          [...ctx.state.issues.values()].flatMap((i) =>
            Array.isArray(i.fields.labels) ? (i.fields.labels as string[]) : [],
          ),
        ),
      ].sort();
      const startAt = intParam(ctx.url, 'startAt', 0, Number.MAX_SAFE_INTEGER);
      const maxResults = intParam(ctx.url, 'maxResults', 1000, 1000);
      const values = all.slice(startAt, startAt + maxResults);
      return json({ maxResults, startAt, total: all.length, isLast: startAt + maxResults >= all.length, values });
    },
  },
  {
    method: 'GET',
    path: /^priority$/,
    handle: (ctx) =>
      json(
        ctx.state.priorities.map((p) => ({
          self: `${ctx.render.baseUrl}/rest/api/3/priority/${p.id}`,
          statusColor: '#ffab00',
          description: p.name,
          iconUrl: `${ctx.render.baseUrl}/images/icons/priorities/${p.name.toLowerCase()}.svg`,
          name: p.name,
          id: p.id,
        })),
      ),
  },
  {
    method: 'GET',
    path: /^status$/,
    handle: (ctx) => json(ctx.state.statuses.map((s) => renderStatus(ctx.render, s))),
  },
];
