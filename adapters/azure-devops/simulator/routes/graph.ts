import { AdoSimError, json } from '../errors.js';
import type { Route } from '../router.js';
import type { SimIdentity } from '../state.js';

/** Every organization has service identities (the build service); they are users to the Graph API too. */
const buildService = {
  subjectKind: 'user',
  domain: 'Build',
  principalName: '7c3f7e35-0000-4f3b-9a7e-build-service',
  mailAddress: '',
  origin: 'vsts',
  originId: '7c3f7e35-0000-4f3b-9a7e-build-service',
  displayName: 'Demo Build Service (demo-org)',
  descriptor: 'svc.N2MzZjdlMzUtMDAwMC00ZjNiLTlhN2UtYnVpbGQ',
};

function graphUser(orgUrl: string, identity: SimIdentity): Record<string, unknown> {
  return {
    subjectKind: 'user',
    metaType: 'member',
    directoryAlias: identity.uniqueName.split('@')[0],
    domain: '7f1b0a3e-2f6b-4f0e-9d2c-aad-tenant',
    principalName: identity.uniqueName,
    mailAddress: identity.uniqueName,
    origin: 'aad',
    originId: identity.id,
    displayName: identity.displayName,
    url: `${orgUrl}/_apis/Graph/Users/${identity.descriptor}`,
    descriptor: identity.descriptor,
  };
}

const token = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64');

/**
 * The Graph users list (Azure DevOps Services only; a Server collection answers 404).
 * Pages carry no count of what is left: the next page's token comes in the
 * `X-MS-ContinuationToken` response header, absent on the last page.
 * @see https://learn.microsoft.com/en-us/rest/api/azure/devops/graph/users/list?view=azure-devops-rest-7.1
 */
export const graphRoutes: Route[] = [
  {
    method: 'GET',
    path: 'graph/users',
    scope: 'org',
    preview: true,
    handle: ({ state, url, orgUrl }) => {
      if (state.organization.includes('/'))
        throw new AdoSimError(
          404,
          `The controller for path '${url.pathname}' was not found or does not implement IController.`,
          'ResourceNotFoundException',
        );
      const given = url.searchParams.get('continuationToken');
      const offset = given
        ? Number(/^offset:(\d+)$/.exec(Buffer.from(given, 'base64').toString('utf8'))?.[1] ?? Number.NaN)
        : 0;
      if (!Number.isInteger(offset))
        throw new AdoSimError(400, 'The continuation token is not valid.', 'InvalidContinuationTokenException');
      const all = [...state.identities.map((i) => graphUser(orgUrl, i)), buildService];
      const page = all.slice(offset, offset + state.limits.graphUsersPage);
      const next = offset + page.length;
      return json(
        { count: page.length, value: page },
        200,
        next < all.length ? { 'x-ms-continuationtoken': token(next) } : {},
      );
    },
  },
];
