import type { FetchHandler } from 'syncbridge/testing/kit';
import { HttpFailure, jiraError, type Route } from './http.js';
import { attachmentRoutes } from './routes/attachments.js';
import { changelogRoutes } from './routes/changelog.js';
import { commentRoutes } from './routes/comments.js';
import { issueRoutes } from './routes/issues.js';
import { issueLinkRoutes } from './routes/issue-links.js';
import { issuePropertyRoutes } from './routes/issue-properties.js';
import { remoteLinkRoutes } from './routes/remote-links.js';
import { metaRoutes } from './routes/meta.js';
import { searchRoutes } from './routes/search.js';
import { userRoutes } from './routes/users.js';
import { workflowRoutes } from './routes/workflow.js';
import { userName, type JiraState, type SimUser } from './state.js';

const routes: Route[] = [
  ...metaRoutes,
  ...userRoutes,
  ...searchRoutes,
  ...changelogRoutes,
  ...issueRoutes,
  ...workflowRoutes,
  ...commentRoutes,
  ...remoteLinkRoutes,
  ...issuePropertyRoutes,
  ...attachmentRoutes,
  ...issueLinkRoutes,
];

/** The user an Authorization header logs in as: basic `email:apiToken` (Cloud), basic `username:password` or a bearer PAT (Data Center). */
export function authenticate(state: JiraState, header: string | null): SimUser | undefined {
  if (!header) return undefined;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return state.users.find((u) => u.pat === value);
  if (scheme?.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const login = decoded.slice(0, colon).toLowerCase();
  const secret = decoded.slice(colon + 1);
  // Cloud logs in with the e-mail address, Data Center with the user name; the API token doubles as the password.
  return state.users.find(
    (u) => (u.email === login || u.accountId === login || userName(u) === login) && u.apiToken === secret,
  );
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The issue's web page (`/browse/KEY`), where a back-link to it leads: its key and summary (a signed-in browser is assumed). */
function issuePage(state: JiraState, key: string): Response {
  const issue = state.issue(key);
  if (!issue)
    return new Response('<!DOCTYPE html><title>Issue not found</title>', {
      status: 404,
      headers: { 'content-type': 'text/html;charset=UTF-8' },
    });
  const title = `[${issue.key}] ${typeof issue.fields.summary === 'string' ? issue.fields.summary : ''}`;
  return new Response(
    `<!DOCTYPE html><html><head><title>${escapeHtml(title)}</title></head><body><h1 data-issue-key="${escapeHtml(issue.key)}">${escapeHtml(title)}</h1></body></html>`,
    { headers: { 'content-type': 'text/html;charset=UTF-8' } },
  );
}

/** Routes requests under `/rest/api/{2|3}/` to the operations, after checking credentials. */
export function createRouter(state: JiraState): FetchHandler {
  return async (request) => {
    const url = new URL(request.url);
    const browse = /^(.*?)\/browse\/([^/]+)$/.exec(url.pathname);
    if (browse && request.method === 'GET') return issuePage(state, decodeURIComponent(browse[2] ?? ''));
    const match = /^(.*?)\/rest\/api\/(2|3)\/(.*)$/.exec(url.pathname);
    if (!match) return jiraError(404, [`null for uri: ${url.pathname}`]);
    const [, prefix = '', version, rest = ''] = match;
    const user = authenticate(state, request.headers.get('authorization'));
    if (!user) return jiraError(401, ['You are not authenticated. Authentication required to perform this operation.']);
    state.requestCount++;
    const path = rest.replace(/\/$/, '');
    for (const route of routes) {
      if (route.method !== request.method) continue;
      const found = route.path.exec(path);
      if (!found) continue;
      try {
        return await route.handle({
          request,
          url,
          state,
          user,
          params: found.slice(1),
          render: { state, baseUrl: `${url.origin}${prefix}`, version: version as '2' | '3', viewer: user },
        });
      } catch (error) {
        if (error instanceof HttpFailure) return error.response;
        throw error;
      }
    }
    return jiraError(404, [`No operation ${request.method} /rest/api/${version}/${path} in this Jira.`]);
  };
}
