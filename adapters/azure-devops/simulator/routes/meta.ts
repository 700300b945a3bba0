import { createHash } from 'node:crypto';
import { json, projectNotFound } from '../errors.js';
import type { Route } from '../router.js';
import { findProject, type SimIdentity } from '../state.js';

function identityJson(identity: SimIdentity): Record<string, unknown> {
  return {
    id: identity.id,
    descriptor: `Microsoft.IdentityModel.Claims.ClaimsIdentity;${identity.uniqueName}`,
    subjectDescriptor: identity.descriptor,
    providerDisplayName: identity.displayName,
    isActive: true,
    isContainer: false,
    members: [],
    memberOf: [],
    memberIds: [],
    resourceVersion: 2,
    metaTypeId: 0,
    properties: {
      Account: { $type: 'System.String', $value: identity.uniqueName },
      Mail: { $type: 'System.String', $value: identity.uniqueName },
    },
  };
}

/**
 * Resource locations the official clients discover with `OPTIONS _apis/{area}` before
 * calling anything (azure-devops-node-api's `VsoClient`); route templates as the service's.
 */
const locations: Record<string, Array<{ id: string; resourceName: string; routeTemplate: string }>> = {
  core: [
    {
      id: '603fe2ac-9723-48b9-88ad-09305aa6c6e1',
      resourceName: 'projects',
      routeTemplate: '_apis/{resource}/{*projectId}',
    },
    {
      id: 'd30a3dd1-f8ba-442a-b86a-bd0c0c383e59',
      resourceName: 'teams',
      routeTemplate: '_apis/projects/{projectId}/{resource}/{*teamId}',
    },
  ],
  location: [
    {
      id: 'e81700f7-3be2-46de-8624-2eb35882fcaa',
      resourceName: 'ResourceAreas',
      routeTemplate: '_apis/{resource}/{areaId}',
    },
  ],
  wit: [
    {
      id: '1a9c53f7-f243-4447-b110-35ef023636e4',
      resourceName: 'wiql',
      routeTemplate: '{project}/{team}/_apis/{area}/{resource}/{id}',
    },
    {
      id: '72c7ddf8-2cdc-4f60-90cd-ab71c14a399b',
      resourceName: 'workItems',
      routeTemplate: '{project}/_apis/{area}/{resource}/{id}',
    },
    {
      id: '62d3d110-0047-428c-ad3c-4fe872c91c74',
      resourceName: 'workItems',
      routeTemplate: '{project}/_apis/{area}/{resource}/${type}',
    },
    {
      id: '908509b6-4248-4475-a1cd-829139ba419f',
      resourceName: 'workItemsBatch',
      routeTemplate: '{project}/_apis/{area}/{resource}',
    },
    {
      id: '7c8d7a76-4a09-43e8-b5df-bd792f4ac6aa',
      resourceName: 'workItemTypes',
      routeTemplate: '{project}/_apis/{area}/{resource}/{type}',
    },
    {
      id: 'bd293ce5-3d25-4192-8e67-e8092e879efb',
      resourceName: 'workItemTypesField',
      routeTemplate: '{project}/_apis/{area}/workItemTypes/{type}/fields/{field}',
    },
    {
      id: '7c9d7a76-4a09-43e8-b5df-bd792f4ac6aa',
      resourceName: 'workItemTypeStates',
      routeTemplate: '{project}/_apis/{area}/workItemTypes/{type}/states',
    },
    {
      id: '608aac0a-32e1-4493-a863-b9cf4566d257',
      resourceName: 'comments',
      routeTemplate: '{project}/_apis/{area}/workItems/{workItemId}/{resource}/{commentId}',
    },
  ],
};

/** The areas served, with their ids and names as `GET _apis/ResourceAreas` lists them. */
const resourceAreas = [
  { id: '79134c72-4a58-4b42-976c-04e7115f32bf', name: 'core' },
  { id: 'e81700f7-3be2-46de-8624-2eb35882fcaa', name: 'Location' },
  { id: '5264459e-e5e0-4bd8-b118-0985e68a4ec5', name: 'wit' },
];

/** A project's default team, `{project} Team`, with an id stable for the project. */
function defaultTeam(project: { id: string; name: string }): { id: string; name: string } {
  const hex = createHash('sha1').update(`team:${project.id}`).digest('hex');
  return {
    id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`,
    name: `${project.name} Team`,
  };
}

/** Organization-level routes: who am I, projects, identities, location discovery. */
export const metaRoutes: Route[] = [
  {
    method: 'GET',
    path: 'connectionData',
    scope: 'org',
    unversioned: true,
    handle: ({ actor, state }) =>
      json({
        authenticatedUser: identityJson(actor),
        authorizedUser: identityJson(actor),
        instanceId: state.projects[0]?.id,
        deploymentId: state.projects[0]?.id,
        deploymentType: state.organization.includes('/') ? 'onPremises' : 'hosted',
        locationServiceData: {
          serviceOwner: '00025394-6065-48ca-87d9-7f5672854ef7',
          defaultAccessMappingMoniker: 'PublicAccessMapping',
          lastChangeId: 1,
          lastChangeId64: 1,
        },
      }),
  },
  {
    method: 'GET',
    path: 'projects',
    scope: 'org',
    handle: ({ state, url, orgUrl }) => {
      const skip = Number(url.searchParams.get('$skip') ?? 0);
      const top = Number(url.searchParams.get('$top') ?? 100);
      const value = state.projects.slice(skip, skip + top).map((p) => ({
        id: p.id,
        name: p.name,
        description: p.description,
        url: `${orgUrl}/_apis/projects/${p.id}`,
        state: 'wellFormed',
        revision: 1,
        visibility: 'private',
        lastUpdateTime: '2024-01-01T00:00:00Z',
      }));
      return json({ count: value.length, value });
    },
  },
  {
    method: 'GET',
    path: 'projects/:id',
    scope: 'org',
    handle: ({ state, params, orgUrl }) => {
      const p = findProject(state, params.id as string);
      if (!p) throw projectNotFound(params.id as string);
      return json({
        id: p.id,
        name: p.name,
        description: p.description,
        url: `${orgUrl}/_apis/projects/${p.id}`,
        state: 'wellFormed',
        revision: 1,
        visibility: 'private',
      });
    },
  },
  {
    method: 'GET',
    path: 'identities',
    scope: 'org',
    handle: ({ state, url }) => {
      const value = (url.searchParams.get('filterValue') ?? '').toLowerCase();
      const hits = state.identities.filter(
        (i) => i.uniqueName.toLowerCase() === value || i.displayName.toLowerCase() === value,
      );
      return json({ count: hits.length, value: hits.map(identityJson) });
    },
  },
  {
    method: 'OPTIONS',
    path: ':area',
    scope: 'org',
    unversioned: true,
    handle: ({ params }) => {
      const area = (params.area as string).toLowerCase();
      const value = (locations[area] ?? []).map((l) => ({
        ...l,
        area: resourceAreas.find((a) => a.name.toLowerCase() === area)?.name ?? area,
        minVersion: '1.0',
        maxVersion: '7.1',
        releasedVersion: '7.1',
        resourceVersion: 3,
      }));
      return json({ count: value.length, value });
    },
  },
  {
    // https://learn.microsoft.com/rest/api/azure/devops/core/teams/get-teams
    method: 'GET',
    path: 'projects/:projectId/teams',
    scope: 'org',
    handle: ({ state, params, url, orgUrl }) => {
      const project = findProject(state, params.projectId as string);
      if (!project) throw projectNotFound(params.projectId as string);
      const skip = Number(url.searchParams.get('$skip') ?? 0);
      const top = Number(url.searchParams.get('$top') ?? 100);
      const value = [defaultTeam(project)].slice(skip, skip + top).map((team) => ({
        ...team,
        url: `${orgUrl}/_apis/projects/${project.id}/teams/${team.id}`,
        description: 'The default project team.',
        identityUrl: `${orgUrl}/_apis/Identities/${team.id}`,
        projectName: project.name,
        projectId: project.id,
      }));
      return json({ count: value.length, value });
    },
  },
  {
    // Services list where each area lives (all here, at the organization); Server answers `{"count":0,"value":null}`.
    method: 'GET',
    path: 'ResourceAreas',
    scope: 'org',
    handle: ({ state, orgUrl }) =>
      state.organization.includes('/')
        ? json({ count: 0, value: null })
        : json({
            count: resourceAreas.length,
            value: resourceAreas.map((area) => ({ ...area, locationUrl: `${orgUrl}/` })),
          }),
  },
];
