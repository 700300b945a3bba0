import { AdoSimError, json } from '../errors.js';
import { relationType, relationTypes, type SimRelationType } from '../links.js';
import type { Route, RouteContext } from '../router.js';

const render = (ctx: RouteContext, t: SimRelationType) => ({
  attributes: t.attributes,
  referenceName: t.referenceName,
  name: t.name,
  url: `${ctx.orgUrl}/_apis/wit/workItemRelationTypes/${t.referenceName}`,
});

/**
 * Relation types (`wit/workitemrelationtypes`): the work-item link types with their reverse
 * ends (`oppositeEndReferenceName`) and the resource links (`AttachedFile`, `Hyperlink`, `ArtifactLink`).
 */
export const relationTypeRoutes: Route[] = [
  {
    method: 'GET',
    path: 'wit/workitemrelationtypes',
    scope: 'org',
    handle: (ctx) => json({ count: relationTypes.length, value: relationTypes.map((t) => render(ctx, t)) }),
  },
  {
    method: 'GET',
    path: 'wit/workitemrelationtypes/:relation',
    scope: 'org',
    handle: (ctx) => {
      const type = relationType(ctx.params.relation ?? '');
      if (!type)
        throw new AdoSimError(
          404,
          `TF201037: The link type '${ctx.params.relation ?? ''}' does not exist.`,
          'WorkItemLinkTypeNotFoundException',
        );
      return json(render(ctx, type));
    },
  },
];
