import { jsonObjectSchema } from 'syncbridge/connector-kit';
import { z } from 'zod';

/** A Jira user as embedded in issues (`UserDetails`); Cloud may leave out `emailAddress`. */
export const jiraUserSchema = z.looseObject({
  accountId: z.string().optional(),
  name: z.string().optional(),
  key: z.string().optional(),
  emailAddress: z.string().optional(),
  displayName: z.string().optional(),
  timeZone: z.string().optional(),
  active: z.boolean().optional(),
  /** `atlassian` (a person), `app` (a bot) or `customer` (Service Management); Cloud only. */
  accountType: z.string().optional(),
});
/** A Jira user. */
export type JiraUser = z.infer<typeof jiraUserSchema>;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const optional = (value: unknown, type: 'string' | 'boolean') => value === undefined || typeof value === type;

/** Whether a value passes {@link jiraUserSchema}, checked by hand: no copy of it is made. */
export function isJiraUser(value: unknown): value is JiraUser {
  return (
    isObject(value) &&
    optional(value.accountId, 'string') &&
    optional(value.name, 'string') &&
    optional(value.key, 'string') &&
    optional(value.emailAddress, 'string') &&
    optional(value.displayName, 'string') &&
    optional(value.timeZone, 'string') &&
    optional(value.active, 'boolean') &&
    optional(value.accountType, 'string')
  );
}

/** `serverInfo`. */
export const serverInfoSchema = z.looseObject({
  baseUrl: z.string().optional(),
  version: z.string().optional(),
  deploymentType: z.string().optional(),
  serverTitle: z.string().optional(),
});

/** `project/search` (`PageBeanProject`). */
export const projectPageSchema = z.looseObject({
  isLast: z.boolean().optional(),
  values: z.array(z.looseObject({ id: z.string(), key: z.string(), name: z.string() })),
});

/** `issue/createmeta/{project}/issuetypes`. */
export const createMetaTypesSchema = z.looseObject({
  total: z.number().optional(),
  issueTypes: z.array(z.looseObject({ id: z.string(), name: z.string() })).optional(),
  values: z.array(z.looseObject({ id: z.string(), name: z.string() })).optional(),
});

/** A field's schema (`JsonTypeBean`). */
const fieldSchemaSchema = z.looseObject({
  type: z.string(),
  system: z.string().optional(),
  custom: z.string().optional(),
  items: z.string().optional(),
});
/** A field's schema. */
export type JiraFieldSchema = z.infer<typeof fieldSchemaSchema>;

const createMetaFieldSchema = z.looseObject({
  fieldId: z.string(),
  name: z.string(),
  required: z.boolean(),
  schema: fieldSchemaSchema,
  allowedValues: z
    .array(z.looseObject({ id: z.string().optional(), name: z.string().optional(), value: z.string().optional() }))
    .optional(),
});

/** `issue/createmeta/{project}/issuetypes/{id}`: Cloud's `PageOfCreateMetaIssueTypeWithField` lists `fields`, Data Center's page lists `values`. */
export const createMetaFieldsSchema = z.looseObject({
  total: z.number().optional(),
  startAt: z.number().optional(),
  fields: z.array(createMetaFieldSchema).optional(),
  values: z.array(createMetaFieldSchema).optional(),
});

/** `field` (`FieldDetails[]`). */
export const fieldListSchema = z.array(
  z.looseObject({
    id: z.string(),
    name: z.string(),
    custom: z.boolean().optional(),
    schema: fieldSchemaSchema.optional(),
  }),
);

/** A workflow transition (`IssueTransition`). */
const transitionSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  to: z.looseObject({ id: z.string(), name: z.string() }).optional(),
});
/** A workflow transition. */
export type JiraTransition = z.infer<typeof transitionSchema>;

/** An issue (`IssueBean`), with the `changelog` and `transitions` that `expand` adds. */
export const issueSchema = z.looseObject({
  id: z.string(),
  key: z.string(),
  fields: jsonObjectSchema.default({}),
  changelog: z.looseObject({ histories: z.array(z.unknown()).optional(), total: z.number().optional() }).optional(),
  transitions: z.array(transitionSchema).optional(),
  /** Issue properties asked for by key (`properties` of search and bulk fetch). */
  properties: jsonObjectSchema.optional(),
});
/** An issue as read. */
export type JiraIssue = z.infer<typeof issueSchema>;

/** Enhanced search (`SearchAndReconcileResults`): token paging. */
export const enhancedSearchSchema = z.looseObject({
  issues: z.array(issueSchema),
  nextPageToken: z.string().nullish(),
  isLast: z.boolean().optional(),
});
/** Legacy search (`SearchResults`): offset paging with a total. */
export const legacySearchSchema = z.looseObject({
  issues: z.array(issueSchema),
  startAt: z.number(),
  maxResults: z.number(),
  total: z.number(),
});
/** `issue/bulkfetch` (`BulkIssueResults`). */
export const bulkFetchSchema = z.looseObject({
  issues: z.array(issueSchema),
  issueErrors: z.array(z.unknown()).optional(),
});

/** One changelog entry (`Changelog`). */
export const changelogSchema = z.looseObject({
  id: z.string(),
  created: z.string(),
  author: jiraUserSchema.optional(),
});
/** A changelog entry. */
export type JiraChange = z.infer<typeof changelogSchema>;

/**
 * Whether a value passes {@link changelogSchema}, checked by hand: the entries embedded in every
 * issue of a search page (one to forty each) are read without a copy of each and its author.
 */
export function isJiraChange(value: unknown): value is JiraChange {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.created === 'string' &&
    (value.author === undefined || isJiraUser(value.author))
  );
}
/** `changelog/bulkfetch` (`BulkChangelogResponseBean`). */
export const bulkChangelogSchema = z.looseObject({
  issueChangeLogs: z
    .array(z.looseObject({ issueId: z.string(), changeHistories: z.array(changelogSchema) }))
    .default([]),
  nextPageToken: z.string().nullish(),
});

/** `issue` and `issue/bulk` created issues. */
export const createdIssueSchema = z.looseObject({ id: z.string(), key: z.string() });
/** `issue/bulk` (`CreatedIssues`). */
export const createdIssuesSchema = z.looseObject({
  issues: z.array(createdIssueSchema).default([]),
  errors: z
    .array(
      z.looseObject({
        failedElementNumber: z.number().optional(),
        status: z.number().optional(),
        elementErrors: z
          .looseObject({
            errorMessages: z.array(z.string()).optional(),
            errors: z.record(z.string(), z.string()).optional(),
          })
          .optional(),
      }),
    )
    .default([]),
});

/** `issue/{id}/transitions` (`Transitions`). */
export const transitionsSchema = z.looseObject({ transitions: z.array(transitionSchema) });

/** A comment (`Comment`); `body` is ADF in v3, text in v2. */
export const commentSchema = z.looseObject({
  id: z.string(),
  created: z.string(),
  author: jiraUserSchema.optional(),
  body: z.unknown(),
});
/** `issue/{id}/comment` (`PageOfComments`). */
export const commentPageSchema = z.looseObject({
  comments: z.array(commentSchema),
  startAt: z.number(),
  maxResults: z.number(),
  total: z.number(),
});

/** `project/{p}/statuses`. */
export const projectStatusesSchema = z.array(
  z.looseObject({
    id: z.string(),
    name: z.string(),
    statuses: z.array(z.looseObject({ id: z.string(), name: z.string() })),
  }),
);

/** An issue link type (`IssueLinkType`): `outward` reads from the link's source ("blocks"), `inward` from its destination ("is blocked by"). */
export const linkTypeSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  inward: z.string(),
  outward: z.string(),
});
/** An issue link type. */
export type JiraLinkType = z.infer<typeof linkTypeSchema>;
/** `issueLinkType` (`IssueLinkTypes`). */
export const linkTypesSchema = z.looseObject({ issueLinkTypes: z.array(linkTypeSchema) });

/** The other end of a link, or a parent (`LinkedIssue`). */
const linkedIssueSchema = z.looseObject({ id: z.string(), key: z.string() });
/** `fields.parent`: the parent issue, or null. */
export const parentFieldSchema = linkedIssueSchema.nullish();

/**
 * One entry of `fields.issuelinks` (`IssueLink`): only the other end is given, as `outwardIssue`
 * when this issue is the link's source ("this issue blocks X"), as `inwardIssue` when it is the
 * destination ("this issue is blocked by X").
 */
export const issueLinkSchema = z.looseObject({
  id: z.string(),
  type: linkTypeSchema,
  inwardIssue: linkedIssueSchema.optional(),
  outwardIssue: linkedIssueSchema.optional(),
});
/** An issue's link, as its `issuelinks` field lists it. */
export type JiraIssueLink = z.infer<typeof issueLinkSchema>;
/** `fields.issuelinks`. */
export const issueLinksFieldSchema = z.array(issueLinkSchema).nullish();

/** An attachment (`Attachment` in `fields.attachment` and the upload's answer); the metadata operation gives the id as a number. */
export const attachmentSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  filename: z.string(),
  author: jiraUserSchema.nullish(),
  created: z.string(),
  size: z.number(),
  mimeType: z.string().optional(),
  content: z.string(),
});
/** An attachment as Jira lists it. */
export type JiraAttachment = z.infer<typeof attachmentSchema>;

/** `attachment/meta` (`AttachmentSettings`). */
export const attachmentSettingsSchema = z.looseObject({
  enabled: z.boolean(),
  uploadLimit: z.number().optional(),
});
