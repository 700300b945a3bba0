import { AdoSimError, badRequest, bodyText, errorResponse, json, projectNotFound } from './errors.js';
import { findProject, type AdoSimState, type SimIdentity, type SimProject } from './state.js';

/** What a route handler gets. */
export interface RouteContext {
  state: AdoSimState;
  request: Request;
  url: URL;
  /** Values of `:name` segments. */
  params: Record<string, string>;
  /** The project segment of the URL, resolved. */
  project: SimProject | undefined;
  /** The authenticated caller. */
  actor: SimIdentity;
  /** `http://host/{org}`, for `url` fields. */
  orgUrl: string;
  /** The JSON body (400 when it is not JSON). */
  body(): Promise<unknown>;
}

/** One route below `_apis/`. */
export interface Route {
  method: string;
  /** Path below `_apis/`, `:name` captures a segment, `$:name` a `$`-prefixed one. */
  path: string;
  /** `project`: a project segment is required; `org`: none allowed; `any`: optional. @default 'any' */
  scope?: 'project' | 'org' | 'any';
  /** Needs an `-preview` api-version (comments). */
  preview?: boolean;
  /** Served without api-version and without auth checks beyond the PAT. */
  unversioned?: boolean;
  handle(ctx: RouteContext): Promise<Response> | Response;
}

/** Route patterns split into lower-cased parts, once each. */
const patternParts = new Map<string, string[]>();

/** A route pattern's parameters in a path's segments (decoded), or `undefined` when it does not match. */
function matchPath(pattern: string, segments: string[]): Record<string, string> | undefined {
  let parts = patternParts.get(pattern);
  if (!parts) {
    parts = pattern.split('/').map((p) => (p.startsWith(':') || p.startsWith('$:') ? p : p.toLowerCase()));
    patternParts.set(pattern, parts);
  }
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const seg = segments[i] as string;
    if (part.startsWith('$:')) {
      if (!seg.startsWith('$')) return undefined;
      params[part.slice(2)] = seg.slice(1);
    } else if (part.startsWith(':')) {
      params[part.slice(1)] = seg;
    } else if (part !== seg.toLowerCase()) {
      return undefined;
    }
  }
  return params;
}

function apiVersion(request: Request, url: URL): string | undefined {
  return (
    url.searchParams.get('api-version') ?? /api-version=([^;,\s]+)/i.exec(request.headers.get('accept') ?? '')?.[1]
  );
}

function authenticate(state: AdoSimState, request: Request): SimIdentity | undefined {
  const header = request.headers.get('authorization') ?? '';
  let token: string | undefined;
  if (/^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    token = decoded.slice(decoded.indexOf(':') + 1);
  } else if (/^bearer /i.test(header)) {
    token = header.slice(7).trim();
  }
  return token ? state.identities.find((i) => i.pat === token) : undefined;
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The work item's web page (`{org}[/{project}]/_workitems/edit/{id}`), where a back-link to it
 * leads: its id and title (a signed-in browser is assumed). Undefined for other paths.
 */
function workItemPage(state: AdoSimState, segments: string[]): Response | undefined {
  const at = segments.findIndex((s) => s.toLowerCase() === '_workitems');
  if (at < 1 || at > 2 || segments[at + 1]?.toLowerCase() !== 'edit' || segments.length !== at + 3) return undefined;
  const item = state.workItems.get(Number(segments[at + 2]));
  const html = { 'content-type': 'text/html; charset=utf-8' };
  if (!item) return new Response('<!DOCTYPE html><title>Work item not found</title>', { status: 404, headers: html });
  const title = `${String(item.fields['System.WorkItemType'])} ${item.id}: ${String(item.fields['System.Title'] ?? '')}`;
  return new Response(
    `<!DOCTYPE html><html><head><title>${escapeHtml(title)}</title></head><body><h1 data-work-item-id="${item.id}">${escapeHtml(title)}</h1></body></html>`,
    { headers: html },
  );
}

/** Builds the simulator's request handler from its routes. */
export function createRouter(state: AdoSimState, routes: Route[]): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      const url = new URL(request.url);
      const all = url.pathname.split('/').filter((s) => s.length > 0);
      // The organization (Services) or virtual directory plus collection (Server: `tfs/DefaultCollection`).
      const host = state.organization.split('/').filter(Boolean);
      const given = all.slice(0, host.length);
      if (given.join('/').toLowerCase() !== host.join('/').toLowerCase()) {
        throw new AdoSimError(
          404,
          `VS800075: The organization '${given.join('/')}' does not exist.`,
          'HostDoesNotExistException',
        );
      }
      const segments = all.slice(host.length - 1);
      const page = workItemPage(state, segments);
      if (page && request.method === 'GET') return page;
      const apis = segments.findIndex((s) => s.toLowerCase() === '_apis');
      if (apis < 0 || apis > 3)
        throw new AdoSimError(404, `The resource ${url.pathname} does not exist.`, 'ResourceNotFoundException');
      const scopeSegments = segments.slice(1, apis);
      const rest = segments.slice(apis + 1);
      const actor = authenticate(state, request);
      if (!actor) {
        return json(
          {
            $id: '1',
            innerException: null,
            message: 'TF400813: The user is not authorized to access this resource.',
            typeName:
              'Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server',
            typeKey: 'UnauthorizedRequestException',
            errorCode: 0,
            eventId: 3000,
          },
          401,
          { 'www-authenticate': 'Basic realm="https://dev.azure.com/"' },
        );
      }
      let methodAllowed = false;
      const decoded = rest.map((segment) => decodeURIComponent(segment));
      for (const route of routes) {
        const params = matchPath(route.path, decoded);
        if (!params) continue;
        const scope = route.scope ?? 'any';
        if (scope === 'org' && scopeSegments.length > 0) continue;
        if (scope === 'project' && scopeSegments.length === 0) continue;
        if (scopeSegments.length > (route.path.startsWith('wit/wiql') ? 2 : 1)) continue;
        methodAllowed = true;
        if (route.method !== request.method) continue;
        const projectName = scopeSegments[0];
        const project = projectName === undefined ? undefined : findProject(state, projectName);
        if (projectName !== undefined && !project) throw projectNotFound(decodeURIComponent(projectName));
        if (!route.unversioned) {
          const version = apiVersion(request, url);
          if (!version)
            throw new AdoSimError(
              400,
              `No api-version was supplied for the "${request.method}" request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. "?api-version=1.0").`,
              'VssVersionNotSpecifiedException',
            );
          if (route.preview && !/-preview/i.test(version)) {
            throw new AdoSimError(
              400,
              `The requested version "${version}" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: "${version}-preview"`,
              'VssInvalidPreviewVersionException',
            );
          }
        }
        return await route.handle({
          state,
          request,
          url,
          params,
          project,
          actor,
          orgUrl: `${url.origin}/${given.join('/')}`,
          body: async () => {
            try {
              return JSON.parse(await bodyText(request)) as unknown;
            } catch {
              throw badRequest('VS402323: The request body is not valid JSON.');
            }
          },
        });
      }
      if (methodAllowed)
        return json({ message: `The requested resource does not support http method '${request.method}'.` }, 405);
      throw new AdoSimError(
        404,
        `The controller for path '${url.pathname}' was not found or does not implement IController.`,
        'ResourceNotFoundException',
      );
    } catch (error) {
      if (error instanceof AdoSimError) return errorResponse(error);
      throw error;
    }
  };
}
