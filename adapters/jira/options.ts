import { z } from 'zod';

/** Options of the Jira connector (`system.options` in the configuration). */
export interface JiraOptions {
  /**
   * REST API version: `3` for Jira Cloud (Atlassian Document Format, enhanced search),
   * `2` for Jira Data Center (plain-text rich text, offset-paged search).
   * @default '3'
   */
  apiVersion?: '3' | '2';
  /** Issues per search page (Jira returns at most 100 when fields are asked for). @default 100 */
  pageSize?: number;
  /** Minutes the JQL time window reaches back beyond `since` (JQL compares at minute precision). @default 1 */
  overlapMinutes?: number;
  /** IANA zone JQL dates are written in; default: the integration user's profile zone from `myself`. */
  timeZone?: string;
  /**
   * Where created issues carry their origin stamp. `property`: the issue property
   * `syncbridge.origin`, set in the create request itself; no person sees or edits it, but JQL
   * finds it only once an app indexes it (a Forge `jira:entityProperty` or Connect
   * `jiraEntityProperties` module extracting `ref` as a string; see docs/guides/adapters.md).
   * `label`: a label `sb-origin-<system>-<id>`, searchable on every site but shown in label
   * pickers and removable by people. Both kinds are always read, so issues stamped before a
   * change are still found.
   * @default 'property'
   */
  originStamp?: 'property' | 'label';
}

/** zod schema of {@link JiraOptions}. */
export const jiraOptionsSchema: z.ZodType<JiraOptions> = z.strictObject({
  apiVersion: z.enum(['3', '2']).optional(),
  pageSize: z.number().int().min(1).max(100).optional(),
  overlapMinutes: z.number().int().min(0).max(1440).optional(),
  timeZone: z.string().min(1).optional(),
  originStamp: z.enum(['property', 'label']).optional(),
});

/** Options with their defaults applied. */
export type ResolvedJiraOptions = Required<Omit<JiraOptions, 'timeZone'>> & { timeZone?: string | undefined };

/** Applies the defaults of {@link JiraOptions}. */
export function resolveJiraOptions(options: JiraOptions | undefined): ResolvedJiraOptions {
  return {
    apiVersion: options?.apiVersion ?? '3',
    pageSize: options?.pageSize ?? 100,
    overlapMinutes: options?.overlapMinutes ?? 1,
    timeZone: options?.timeZone,
    originStamp: options?.originStamp ?? 'property',
  };
}
