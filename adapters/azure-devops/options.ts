import { z } from 'zod';

/** Options of the Azure DevOps connector (`options:` of a system with `adapter: azure-devops`). */
export const azureDevOpsOptionsSchema = z.strictObject({
  /**
   * Where identities are looked up by e-mail. @default `https://vssps.dev.azure.com/{org}`
   * for `dev.azure.com`, `https://{org}.vssps.visualstudio.com` for `*.visualstudio.com`,
   * else the base URL (Azure DevOps Server, simulators).
   */
  identitiesBaseUrl: z.string().url().optional(),
  /** Work items read per `workitemsbatch` call (the service allows 200). @default 200 */
  pageSize: z.number().int().min(1).max(200).optional(),
  /**
   * Where created work items carry their origin stamp. `hyperlink`: a `Hyperlink` relation to the
   * origin item, added in the create request itself, whose URL names the origin in its fragment;
   * it is also the item's back-link, no tag list shows it, and WIQL finds the candidates by
   * `[System.HyperLinkCount] > 0` (it cannot search link URLs), read with their relations.
   * `tag`: a tag `sb-origin:<system>:<id>` (WIQL finds it exactly; tag pickers show it). Tag
   * stamps are always read, so items stamped before a change are still found. @default 'hyperlink'
   */
  originStamp: z.enum(['hyperlink', 'tag']).optional(),
  /** Prefix of the origin tag stamped on created items (`sb-origin:jira:10001`). @default 'sb-origin' */
  originTagPrefix: z
    .string()
    .regex(/^[^;,\s]+$/, 'no spaces, commas or semicolons')
    .optional(),
  /** Send several creates (up to 200) and updates in one `$batch` call each. @default true */
  batchUpdates: z.boolean().optional(),
  /**
   * The largest file the organization takes as an attachment, in bytes: larger ones fail with
   * `ATTACHMENT_TOO_LARGE` before anything is sent. Azure DevOps Services takes 60 MB in one
   * upload; Azure DevOps Server's limit is set by its administrators. @default 62914560 (60 MB)
   */
  attachmentMaxBytes: z.number().int().positive().optional(),
});

/** Options of the Azure DevOps connector; see {@link azureDevOpsOptionsSchema}. */
export type AzureDevOpsOptions = z.infer<typeof azureDevOpsOptionsSchema>;

/** Most updates sent in one `$batch` call (declared as `maxUpdateBatch`). */
export const maxUpdateBatch = 50;

/** The identities host for a base URL (see `identitiesBaseUrl`). */
export function defaultIdentitiesBaseUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  const org = url.pathname.split('/').filter(Boolean)[0] ?? '';
  if (url.hostname.toLowerCase() === 'dev.azure.com') return `https://vssps.dev.azure.com/${org}`;
  const legacy = /^([^.]+)\.visualstudio\.com$/i.exec(url.hostname);
  if (legacy) return `https://${legacy[1]}.vssps.visualstudio.com`;
  return baseUrl;
}
