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
  /** Prefix of the origin tag stamped on created items (`sb-origin:jira:10001`). @default 'sb-origin' */
  originTagPrefix: z.string().regex(/^[^;,\s]+$/, 'no spaces, commas or semicolons').optional(),
  /** Send several creates (up to 200) and updates in one `$batch` call each. @default true */
  batchUpdates: z.boolean().optional(),
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
