import { isSyncbridgeError, SyncbridgeError, type UserRef } from 'syncbridge';
import { z } from 'zod';
import { listOf, versioned, type AdoClients } from './client.js';

/** api-version of the Graph API (preview only, also in 7.1). */
const graphApiVersion = '7.1-preview.1';

/** A `GraphUser` of the Graph users list. */
const graphUserSchema = z.object({
  subjectKind: z.string().optional(),
  principalName: z.string().nullish(),
  mailAddress: z.string().nullish(),
  displayName: z.string().nullish(),
  descriptor: z.string().nullish(),
});
const graphUserListSchema = listOf(graphUserSchema);

/**
 * Every person of the organization, page by page, from the Graph users list on the
 * identities host (`vssps.dev.azure.com/{org}`). Service identities (descriptor `svc.`,
 * the build service) are left out. Each user is named as `findUsers` names them: the id
 * is the principal name (the identity's unique name), the e-mail the mail address.
 *
 * Azure DevOps Server has no Graph API, and its identities API only searches (by name,
 * e-mail or account, never "everyone"), so there listing fails with `UNSUPPORTED`: user
 * maps there are written by hand, and users are still matched by e-mail.
 * @see https://learn.microsoft.com/en-us/rest/api/azure/devops/graph/users/list?view=azure-devops-rest-7.1
 */
export async function* listGraphUsers(clients: AdoClients, system: string): AsyncGenerator<UserRef[]> {
  let continuationToken: string | undefined;
  const seenTokens = new Set<string>();
  do {
    let next: string | undefined;
    let page: z.infer<typeof graphUserListSchema>;
    try {
      page = await clients.identities.request(
        versioned(
          {
            path: '_apis/graph/users',
            query: { continuationToken },
            schema: graphUserListSchema,
            onHeaders: (headers) => {
              next = headers.get('x-ms-continuationtoken') ?? undefined;
            },
          },
          graphApiVersion,
        ),
      );
    } catch (error) {
      if (isSyncbridgeError(error) && error.code === 'NOT_FOUND' && continuationToken === undefined) {
        throw new SyncbridgeError(
          'UNSUPPORTED',
          `${system}: this server has no Graph API to list users (Azure DevOps Server); write the user map by hand, users are still matched by e-mail`,
          { system, cause: error },
        );
      }
      throw error;
    }
    const people = page.value
      .filter((u) => u.subjectKind !== 'group' && !u.descriptor?.startsWith('svc.') && u.principalName)
      .map(
        (u): UserRef => ({
          id: u.principalName as string,
          email: u.mailAddress || null,
          displayName: u.displayName ?? null,
        }),
      );
    if (people.length > 0) yield people;
    // A token seen before would loop for ever.
    continuationToken = next !== undefined && !seenTokens.has(next) ? next : undefined;
    if (continuationToken) seenTokens.add(continuationToken);
  } while (continuationToken);
}
