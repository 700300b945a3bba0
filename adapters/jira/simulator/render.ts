import { offsetAt } from '../query.js';
import { adfText } from './jql/evaluate.js';
import { renderAttachment, renderIssueLinks, renderLinkedIssue } from './render-links.js';
import {
  userName,
  type JiraState,
  type SimComment,
  type SimField,
  type SimIssue,
  type SimStatus,
  type SimUser,
} from './state.js';

/** Where responses are rendered for: the base URL (for `self` links), the API version and the viewer. */
export interface RenderContext {
  state: JiraState;
  baseUrl: string;
  version: '2' | '3';
  viewer: SimUser;
}

const api = (ctx: RenderContext, path: string) => `${ctx.baseUrl}/rest/api/${ctx.version}/${path}`;

/** Jira's timestamp form (`2024-05-01T12:34:56.789+0200`), in the viewer's zone. */
export function jiraTime(ms: number, zone: string): string {
  const offset = offsetAt(ms, zone);
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
  const hhmm = Math.abs(offset);
  const sign = offset < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.floor(hhmm / 60)).padStart(2, '0')}${String(hhmm % 60).padStart(2, '0')}`;
}

/** A user as embedded in issues and comments (`UserDetails`); e-mail left out when the user hides it. */
export function renderUser(ctx: RenderContext, user: SimUser | undefined): Record<string, unknown> | null {
  if (!user) return null;
  const avatar = `https://avatar.example.com/${encodeURIComponent(user.accountId)}`;
  if (ctx.version === '2') {
    // Data Center identifies users by name and key; it has no account ids.
    const name = userName(user);
    return {
      self: api(ctx, `user?username=${encodeURIComponent(name)}`),
      key: name,
      name,
      ...(user.emailVisible || user.accountId === ctx.viewer.accountId ? { emailAddress: user.email } : {}),
      avatarUrls: {
        '48x48': `${avatar}/48`,
        '24x24': `${avatar}/24`,
        '16x16': `${avatar}/16`,
        '32x32': `${avatar}/32`,
      },
      displayName: user.displayName,
      active: user.active,
      timeZone: user.timeZone,
    };
  }
  return {
    self: api(ctx, `user?accountId=${encodeURIComponent(user.accountId)}`),
    accountId: user.accountId,
    ...(user.emailVisible || user.accountId === ctx.viewer.accountId ? { emailAddress: user.email } : {}),
    avatarUrls: { '48x48': `${avatar}/48`, '24x24': `${avatar}/24`, '16x16': `${avatar}/16`, '32x32': `${avatar}/32` },
    displayName: user.displayName,
    active: user.active,
    timeZone: user.timeZone,
    accountType: user.accountType ?? 'atlassian',
  };
}

const categories = {
  new: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  done: { id: 3, key: 'done', colorName: 'green', name: 'Done' },
} as const;

/** A status (`StatusDetails`). */
export function renderStatus(ctx: RenderContext, status: SimStatus): Record<string, unknown> {
  const category = categories[status.category];
  return {
    self: api(ctx, `status/${status.id}`),
    description: '',
    iconUrl: `${ctx.baseUrl}/images/icons/statuses/generic.png`,
    name: status.name,
    id: status.id,
    statusCategory: { self: api(ctx, `statuscategory/${category.id}`), ...category },
  };
}

/** An issue type (`IssueTypeDetails`). */
export function renderIssueType(ctx: RenderContext, id: string): Record<string, unknown> | null {
  const type = ctx.state.issueTypes.find((t) => t.id === id);
  if (!type) return null;
  return {
    self: api(ctx, `issuetype/${type.id}`),
    id: type.id,
    description: type.description,
    iconUrl: `${ctx.baseUrl}/images/icons/issuetypes/${type.name.toLowerCase()}.svg`,
    name: type.name,
    subtask: (type.hierarchyLevel ?? 0) === -1,
    hierarchyLevel: type.hierarchyLevel ?? 0,
  };
}

/** A project as embedded in issues and listed by `project/search`. */
export function renderProject(ctx: RenderContext, projectId: string): Record<string, unknown> | null {
  const project = ctx.state.projects.find((p) => p.id === projectId);
  if (!project) return null;
  return {
    self: api(ctx, `project/${project.id}`),
    id: project.id,
    key: project.key,
    name: project.name,
    projectTypeKey: 'software',
    simplified: false,
    style: 'classic',
    isPrivate: false,
  };
}

function renderRichText(ctx: RenderContext, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  // Data Center (v2) shows rich text as wiki markup; plain text is the part of it we model.
  return ctx.version === '2' ? adfText(value) : value;
}

/** A comment (`Comment`). */
export function renderComment(
  ctx: RenderContext,
  issue: SimIssue,
  comment: SimComment,
  expand: string[] = [],
): Record<string, unknown> {
  const author = renderUser(ctx, ctx.state.user(comment.author));
  return {
    self: api(ctx, `issue/${issue.id}/comment/${comment.id}`),
    id: comment.id,
    author,
    body: renderRichText(ctx, comment.body),
    updateAuthor: comment.updateAuthor ? renderUser(ctx, ctx.state.user(comment.updateAuthor)) : author,
    created: jiraTime(comment.created, ctx.viewer.timeZone),
    updated: jiraTime(comment.updated, ctx.viewer.timeZone),
    jsdPublic: true,
    // Properties come only with `expand=properties` (https://developer.atlassian.com/cloud/jira/platform/jira-entity-properties/).
    ...(expand.includes('properties')
      ? { properties: Object.entries(comment.properties ?? {}).map(([key, value]) => ({ key, value })) }
      : {}),
  };
}

/** One field's value in Jira's JSON form. */
function renderFieldValue(ctx: RenderContext, issue: SimIssue, field: SimField): unknown {
  const { state } = ctx;
  const zone = ctx.viewer.timeZone;
  switch (field.id) {
    case 'issuetype':
      return renderIssueType(ctx, issue.issueTypeId);
    case 'project':
      return renderProject(ctx, issue.projectId);
    case 'status': {
      const status = state.status(issue.statusId);
      return status ? renderStatus(ctx, status) : null;
    }
    case 'priority': {
      const p = state.priorities.find((x) => x.id === issue.fields.priority);
      return p
        ? {
            self: api(ctx, `priority/${p.id}`),
            iconUrl: `${ctx.baseUrl}/images/icons/priorities/${p.name.toLowerCase()}.svg`,
            name: p.name,
            id: p.id,
          }
        : null;
    }
    case 'creator':
      return renderUser(ctx, state.user(issue.creator));
    case 'reporter':
      return renderUser(ctx, state.user(issue.reporter));
    case 'created':
      return jiraTime(issue.created, zone);
    case 'updated':
      return jiraTime(issue.updated, zone);
    case 'attachment':
      return state.attachments.of(issue.id).map((a) => renderAttachment(ctx, a));
    case 'issuelinks':
      return renderIssueLinks(ctx, issue);
    case 'parent': {
      const parent = typeof issue.fields.parent === 'string' ? state.issues.get(issue.fields.parent) : undefined;
      return parent ? renderLinkedIssue(ctx, parent) : null;
    }
  }
  const raw = issue.fields[field.id];
  if (raw === undefined || raw === null) return field.schema.type === 'array' ? [] : null;
  if (field.schema.type === 'user') return renderUser(ctx, state.user(String(raw)));
  if (field.options) {
    const option = (id: unknown) => {
      const o = field.options?.find((x) => x.id === id);
      return o ? { self: api(ctx, `customFieldOption/${o.id}`), value: o.value, id: o.id } : null;
    };
    return Array.isArray(raw) ? raw.map(option) : option(raw);
  }
  if (field.schema.type === 'string' && typeof raw === 'object') return renderRichText(ctx, raw);
  return raw;
}

/** Resolves a `fields` request (`*all`, `*navigable`, ids, `-id`) to field definitions. */
export function selectFields(state: JiraState, requested: string[] | undefined, fallback: '*all' | 'id'): SimField[] {
  const list = requested && requested.length > 0 ? requested : [fallback];
  let selected = new Set<SimField>();
  for (const entry of list) {
    if (entry === '*all' || entry === '*navigable') selected = new Set([...selected, ...state.fields]);
    else if (!entry.startsWith('-')) {
      const field = state.fields.find((f) => f.id === entry) ?? (entry === 'comment' ? undefined : state.field(entry));
      if (field) selected.add(field);
    }
  }
  for (const entry of list) {
    if (entry.startsWith('-')) for (const f of selected) if (f.id === entry.slice(1)) selected.delete(f);
  }
  return [...selected];
}

/** An issue (`IssueBean`) with the selected fields; `comment` rendered only when asked for. */
export function renderIssue(
  ctx: RenderContext,
  issue: SimIssue,
  fields: SimField[],
  withComments = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) out[field.id] = renderFieldValue(ctx, issue, field);
  if (withComments) {
    const comments = issue.comments.map((c) => renderComment(ctx, issue, c));
    out.comment = { comments, maxResults: comments.length, total: comments.length, startAt: 0 };
  }
  return {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: issue.id,
    self: api(ctx, `issue/${issue.id}`),
    key: issue.key,
    fields: out,
  };
}
